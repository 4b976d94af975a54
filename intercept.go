package samsa

import "fmt"

// onSend runs every interceptor's OnSend on a copy of *r, recovering
// panics, and returns the copy. Handing the interceptors r itself would
// make every produced record escape to the heap, interceptors or not.
func (p *Producer) onSend(r *Record) *Record {
	c := new(Record)
	*c = *r
	for _, ic := range p.interceptors {
		p.safely(ic, "OnSend", func() { ic.OnSend(c) })
	}
	return c
}

// onAck runs every interceptor's OnAcknowledgement, recovering panics.
func (p *Producer) onAck(md RecordMetadata, err error) {
	for _, ic := range p.interceptors {
		p.safely(ic, "OnAcknowledgement", func() { ic.OnAcknowledgement(md, err) })
	}
}

func (p *Producer) safely(ic Interceptor, method string, fn func()) {
	defer func() {
		if v := recover(); v != nil {
			p.log.Error("interceptor panicked", "interceptor", fmt.Sprintf("%T", ic), "method", method, "panic", fmt.Sprint(v))
		}
	}()
	fn()
}
