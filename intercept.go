package samsa

import "fmt"

// onSend runs every interceptor's OnSend, recovering panics.
func (p *Producer) onSend(r *Record) {
	for _, ic := range p.interceptors {
		p.safely(ic, "OnSend", func() { ic.OnSend(r) })
	}
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
