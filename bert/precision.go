package bert

import (
	"fmt"
	"strings"

	"github.com/nerkit/nerkit/kernels"
)

// Precision is the arithmetic of the model's matrix products. It is a
// property of one model (and the inference copies taken from it), chosen
// with SetPrecision; parameters, gradients, the optimizer, LayerNorm,
// softmax and the loss are float32 whatever it is, and nothing of it is
// saved.
//
//   - FP32: float32 everywhere (the default).
//   - BF16: PyTorch autocast's / HF Trainer --bf16's semantics: the linear
//     layers' and attention's products take bfloat16 operands (round to
//     nearest even) and sum in float32, forward and backward.
//   - Int8: inference only: the linear layers' weights quantized per output
//     channel when packed, their inputs per token on every call
//     (kernels.GemmInt8); attention's products stay float32.
type Precision int

const (
	FP32 Precision = iota
	BF16
	Int8
)

// Precisions lists the accepted names, for flag help.
const Precisions = "fp32, bf16, int8"

func (p Precision) String() string {
	switch p {
	case FP32:
		return "fp32"
	case BF16:
		return "bf16"
	case Int8:
		return "int8"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// ParsePrecision reads "fp32", "bf16" or "int8" ("" is fp32).
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "fp32", "":
		return FP32, nil
	case "bf16":
		return BF16, nil
	case "int8":
		return Int8, nil
	}
	return 0, fmt.Errorf("precision %q is not one of %s", s, Precisions)
}

// Kernel names the instructions a precision's products run on this machine
// (see kernels.KernelName, BF16Kernel, Int8Kernel).
func (p Precision) Kernel() string {
	switch p {
	case BF16:
		return kernels.BF16Kernel()
	case Int8:
		return kernels.Int8Kernel()
	}
	return kernels.KernelName()
}

// Emulated reports whether p's products run on the float32 kernels with
// rounded or quantized operands because this CPU lacks p's instructions
// (AMX, AVX512_BF16, AVX512-VNNI): p's numerics at float32's speed or below.
func (p Precision) Emulated() bool {
	return p != FP32 && strings.HasPrefix(p.Kernel(), "fp32/")
}

// EmulationWarning is the line to show a user who asked for an emulated
// precision, or "" when p runs on its own instructions.
func (p Precision) EmulationWarning() string {
	if !p.Emulated() {
		return ""
	}
	return fmt.Sprintf("precision %s: this CPU has no %s matrix instructions, so its products run on the float32 kernels with %s operands (%s): no faster than fp32, and less exact", p, p, map[Precision]string{BF16: "bf16-rounded", Int8: "int8-quantized"}[p], p.Kernel())
}

// packedLinear is one linear layer's weight converted for the low-precision
// products of its forward pass, y = x·Wᵀ.
type packedLinear struct {
	bf16 kernels.PackedBF16
	int8 kernels.PackedInt8
}

// lowPrec holds the converted weights. A model that only infers (no
// gradients) or has inference copies keeps every layer's, converted once
// before the first Forward after SetPrecision or a change of the
// parameters, and shared with its copies. A training model converts each
// weight where a product uses it into one reused buffer (forward, then the
// backward's dX = dY·W orientation): each weight is converted once per
// forward and once per backward, and bf16 training holds no second copy of
// the weights, so its peak memory stays at fp32's.
type lowPrec struct {
	prec       Precision
	fresh      bool
	persistent bool // every layer's conversion kept (else scratch only)
	shared     bool // inference copies use the kept conversions
	layers     []packedLayer
	classifier packedLinear
	scratch    kernels.PackedBF16
}

type packedLayer struct {
	qkv, attentionDense, intermediate, output packedLinear
}

// SetPrecision chooses the arithmetic of m's products (see Precision). Int8
// models cannot train. The converted weights are refreshed by the first
// Forward after anything that may change the parameters (Step, Params,
// Tensors); inference copies share them, so take copies after such changes,
// as for the parameters themselves. A copy keeps its model's precision.
func (m *Model) SetPrecision(p Precision) error {
	switch {
	case p != FP32 && p != BF16 && p != Int8:
		return fmt.Errorf("bert: unknown precision %v", p)
	case m.inferenceOnly:
		return fmt.Errorf("bert: set the precision on the model, not on an InferenceCopy")
	}
	m.prec = p
	if p == FP32 {
		m.lp = nil
		m.w.setPacked(nil)
		return nil
	}
	m.lp = &lowPrec{prec: p, layers: make([]packedLayer, m.layers)}
	m.w.setPacked(m.lp)
	return nil
}

// Precision returns the arithmetic chosen by SetPrecision.
func (m *Model) Precision() Precision { return m.prec }

// setPacked points every linear layer's weights at its converted copy in lp
// (nil: none).
func (w *weights) setPacked(lp *lowPrec) {
	for l := range w.layers {
		lw := &w.layers[l]
		if lp == nil {
			lw.qkv.packed, lw.attentionDense.packed, lw.intermediate.packed, lw.output.packed = nil, nil, nil, nil
			continue
		}
		pl := &lp.layers[l]
		lw.qkv.packed, lw.attentionDense.packed, lw.intermediate.packed, lw.output.packed = &pl.qkv, &pl.attentionDense, &pl.intermediate, &pl.output
	}
	w.classifier.packed = nil
	if lp != nil {
		w.classifier.packed = &lp.classifier
	}
}

// packWeights converts every linear layer's weight for the forward products
// if a Step (or SetPrecision) has changed them since the last conversion.
func (m *Model) packWeights() {
	lp := m.lp
	if lp == nil || lp.fresh {
		return
	}
	lp.fresh = true
	lp.persistent = lp.prec == Int8 || m.grads == nil || lp.shared
	if !lp.persistent {
		return
	}
	for l := range m.w.layers {
		lw := &m.w.layers[l]
		for _, p := range [...]linearParams{lw.qkv, lw.attentionDense, lw.intermediate, lw.output} {
			p.pack(lp.prec)
		}
	}
	m.w.classifier.pack(lp.prec)
}

// forwardBF16 is p's weight converted for y = x·Wᵀ: the kept conversion,
// or, in a training model, the scratch buffer converted now.
func (m *Model) forwardBF16(p linearParams) *kernels.PackedBF16 {
	if m.lp.persistent {
		return &p.packed.bf16
	}
	in, out := p.dims()
	m.lp.scratch.Pack(true, in, out, p.weight, in)
	return &m.lp.scratch
}

// pack converts p's weight for its forward product in precision prec.
func (p linearParams) pack(prec Precision) {
	in, out := p.dims()
	switch prec {
	case BF16:
		p.packed.bf16.Pack(true, in, out, p.weight, in)
	case Int8:
		p.packed.int8.Pack(out, in, p.weight, in)
	}
}

// weightsChanged marks the converted weights stale (after a Step, or when
// the parameters were handed out for writing).
func (m *Model) weightsChanged() {
	if m.lp != nil && !m.inferenceOnly {
		m.lp.fresh = false
	}
}

// savesPackedX reports whether bf16 training saves each layer's context
// and FFN activation for the backward pass as the bf16 conversion that the
// weight gradient dW = dYᵀ·X reads, converted in the forward pass, instead
// of as float32 (autocast too saves a matmul's input in bf16). The
// conversion is the one the backward would make, moved earlier, so the bits
// are the same; the saved activations take half the memory (the float32
// buffers become one set for all layers), about 80 MB less at BERT-base
// 16×64. Not on the float32 fallback, whose packed values refer to the
// float32 buffers instead of copying them.
func (m *Model) savesPackedX() bool {
	return m.prec == BF16 && kernels.PackBF16Copies() && !keepFloat32X
}

// keepFloat32X turns savesPackedX off (tests compare the two ways).
var keepFloat32X = false

// saveX converts x (the rows×cols input of a linear layer) into dst for the
// backward's weight gradient, when this is a training forward pass that
// saves it so (arena.packedX).
func (m *Model) saveX(dst *kernels.PackedBF16, x []float32, cols int) {
	if m.train && m.a.packedX {
		dst.Pack(false, m.rows(), cols, x, cols)
	}
}

// savedX is what saveX converted into src, or nil when the backward is to
// convert the float32 input itself.
func (m *Model) savedX(src *kernels.PackedBF16) *kernels.PackedBF16 {
	if m.a.packedX {
		return src
	}
	return nil
}

// bf16 reports whether the products run in bfloat16: the linear layers'
// and attention's in BF16, none in FP32 or Int8 (whose attention is float32).
func (m *Model) bf16() bool { return m.prec == BF16 }
