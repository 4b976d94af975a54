// Package respond builds broker responses for kfake control functions in
// tests: a response a fault-injecting test returns instead of the fake
// cluster's own. It imports nothing of samsa, so that the root package's
// internal tests can use it (internal/itest imports the root package).
package respond

import "github.com/twmb/franz-go/pkg/kmsg"

// ProduceError answers req with code on every partition (base offset -1),
// asking the client to back off for throttleMs.
func ProduceError(req *kmsg.ProduceRequest, code int16, throttleMs int32) *kmsg.ProduceResponse {
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	resp.ThrottleMillis = throttleMs
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition, sp.ErrorCode, sp.BaseOffset = rp.Partition, code, -1
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}
