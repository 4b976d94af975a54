package wire

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// versionRange is the range of versions of one API a broker supports.
type versionRange struct{ min, max int16 }

// Versions holds the API versions one broker supports, as its ApiVersions
// response reported them.
type Versions struct {
	byKey    map[int16]versionRange
	features map[string]int16 // finalized feature levels (KIP-584)
}

// newVersions builds Versions from an ApiVersions response.
func newVersions(resp *kmsg.ApiVersionsResponse) *Versions {
	v := &Versions{byKey: make(map[int16]versionRange, len(resp.ApiKeys)), features: map[string]int16{}}
	for _, k := range resp.ApiKeys {
		v.byKey[k.ApiKey] = versionRange{k.MinVersion, k.MaxVersion}
	}
	for _, f := range resp.FinalizedFeatures {
		v.features[f.Name] = f.MaxVersionLevel
	}
	return v
}

// Feature returns the cluster-wide finalized level of a feature, such as
// "transaction.version", or 0 when the broker reports none.
func (v *Versions) Feature(name string) int16 { return v.features[name] }

// Max returns the highest version of apiKey the broker supports, and false
// if it does not support the API at all.
func (v *Versions) Max(apiKey int16) (int16, bool) {
	r, ok := v.byKey[apiKey]
	return r.max, ok
}

// Min returns the lowest version of apiKey the broker supports.
func (v *Versions) Min(apiKey int16) (int16, bool) {
	r, ok := v.byKey[apiKey]
	return r.min, ok
}

// Supports reports whether the broker supports apiKey at version ver.
func (v *Versions) Supports(apiKey, ver int16) bool {
	r, ok := v.byKey[apiKey]
	return ok && r.min <= ver && ver <= r.max
}

// MinVersions lists, per API, the lowest version samsa is willing to use.
// A broker whose highest version of an API is below this is too old for
// that API. The floor of the produce path is Produce v3 (record batch v2),
// which Kafka 0.11 introduced; samsa's stated floor is Kafka 2.1.
var MinVersions = map[int16]int16{
	kmsg.Produce.Int16():         3,
	kmsg.Metadata.Int16():        1,
	kmsg.SASLHandshake.Int16():   1,
	kmsg.InitProducerID.Int16():  0,
	kmsg.FindCoordinator.Int16(): 1,
}

// Pick returns the version of apiKey to use with this broker: the highest
// version both sides support, where ours is ourMax. It fails with an
// *UnsupportedError naming the broker and the API when there is none at or
// above samsa's minimum.
func (v *Versions) Pick(broker string, apiKey, ourMax int16) (int16, error) {
	r, ok := v.byKey[apiKey]
	if !ok {
		return 0, &UnsupportedError{Broker: broker, APIKey: apiKey}
	}
	ver := min(r.max, ourMax)
	floor := max(r.min, MinVersions[apiKey])
	if ver < floor {
		return 0, &UnsupportedError{Broker: broker, APIKey: apiKey, BrokerMax: r.max, Need: floor, Known: true}
	}
	return ver, nil
}

// UnsupportedError reports that a broker does not support an API at a
// version samsa can use: the broker is too old (or too new) for the request.
type UnsupportedError struct {
	Broker    string
	APIKey    int16
	Known     bool  // the broker supports the API, but not at a usable version
	BrokerMax int16 // the broker's highest version, when Known
	Need      int16 // the lowest version samsa can use, when Known
}

func (e *UnsupportedError) Error() string {
	name := APIName(e.APIKey)
	if !e.Known {
		return fmt.Sprintf("broker %s does not support the %s API (key %d); Kafka 2.1 or newer is required", e.Broker, name, e.APIKey)
	}
	return fmt.Sprintf("broker %s supports %s up to v%d, but samsa needs v%d or newer; Kafka 2.1 or newer is required",
		e.Broker, name, e.BrokerMax, e.Need)
}

// APIName returns the name of a Kafka API key, such as "Produce".
func APIName(apiKey int16) string {
	if name := kmsg.NameForKey(apiKey); name != "" {
		return name
	}
	return fmt.Sprintf("API%d", apiKey)
}
