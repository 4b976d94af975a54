package sender

import "testing"

// TestFindPartitionAnyOrder: every batch finds its own partition's answer
// (told apart by base offset) whether the broker answers in the request's
// order, in reverse, or with a partition missing.
func TestFindPartitionAnyOrder(t *testing.T) {
	ids := []int32{7, 3, 9, 0, 5}
	answer := func(order []int32) *produceResponse {
		r := &produceResponse{topics: []respTopic{{name: "other"}, {name: "t"}}}
		for _, id := range order {
			r.topics[1].parts = append(r.topics[1].parts, respPartition{index: id, baseOffset: int64(id) * 100})
		}
		r.topics[0].parts = []respPartition{{index: 3, baseOffset: -5}}
		return r
	}
	reversed := []int32{5, 0, 9, 3, 7}
	for name, order := range map[string][]int32{"in order": ids, "reversed": reversed, "missing 9": {7, 3, 0, 5}} {
		resp := answer(order)
		next := make([]int, len(resp.topics))
		for _, id := range ids {
			rp := findPartition(resp, "t", id, next)
			if name == "missing 9" && id == 9 {
				if rp != nil {
					t.Fatalf("%s: partition 9 found: %+v", name, rp)
				}
				continue
			}
			if rp == nil || rp.index != id || rp.baseOffset != int64(id)*100 {
				t.Fatalf("%s: partition %d got %+v", name, id, rp)
			}
		}
	}
}
