// Package respond builds broker responses for kfake control functions in
// tests: a response a fault-injecting test returns instead of the fake
// cluster's own. It imports nothing of samsa, so that the root package's
// internal tests can use it (internal/itest imports the root package).
package respond

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"
)

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

// Error answers req, of one of the producer's APIs (Produce and the
// transactional ones), with code everywhere its response carries one:
// per partition where the response has partitions, and no producer id or
// epoch where it would hand out one. It panics for another API.
func Error(req kmsg.Request, code int16) kmsg.Response {
	if pr, ok := req.(*kmsg.ProduceRequest); ok {
		resp := ProduceError(pr, code, 0)
		resp.SetVersion(req.GetVersion())
		return resp
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	switch r := resp.(type) {
	case *kmsg.InitProducerIDResponse:
		r.ErrorCode, r.ProducerID, r.ProducerEpoch = code, -1, -1
	case *kmsg.EndTxnResponse:
		r.ErrorCode, r.ProducerID, r.ProducerEpoch = code, -1, -1
	case *kmsg.AddOffsetsToTxnResponse:
		r.ErrorCode = code
	case *kmsg.AddPartitionsToTxnResponse:
		for _, t := range req.(*kmsg.AddPartitionsToTxnRequest).Topics {
			rt := kmsg.AddPartitionsToTxnResponseTopic{Topic: t.Topic}
			for _, p := range t.Partitions {
				rt.Partitions = append(rt.Partitions, kmsg.AddPartitionsToTxnResponseTopicPartition{Partition: p, ErrorCode: code})
			}
			r.Topics = append(r.Topics, rt)
		}
	case *kmsg.TxnOffsetCommitResponse:
		for _, t := range req.(*kmsg.TxnOffsetCommitRequest).Topics {
			rt := kmsg.TxnOffsetCommitResponseTopic{Topic: t.Topic}
			for _, p := range t.Partitions {
				rt.Partitions = append(rt.Partitions, kmsg.TxnOffsetCommitResponseTopicPartition{Partition: p.Partition, ErrorCode: code})
			}
			r.Topics = append(r.Topics, rt)
		}
	default:
		panic(fmt.Sprintf("respond.Error: no error code for %T", resp))
	}
	return resp
}
