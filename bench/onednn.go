package bench

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// OneDNN is what oneDNN's verbose mode (ONEDNN_VERBOSE=1, or
// torch.backends.mkldnn.verbose) said about a run: its version, the CPU ISA
// it detected, and which implementation ran each primitive.
type OneDNN struct {
	Version string      `json:"version,omitempty"` // "v2.6.3"
	ISA     string      `json:"isa,omitempty"`     // the detected ISA, in oneDNN's words
	Uses    []OneDNNUse `json:"uses,omitempty"`    // one per primitive, implementation and source type; most time first
}

// OneDNNUse sums the executions of one primitive kind by one implementation.
type OneDNNUse struct {
	Primitive string  `json:"primitive"` // matmul, inner_product, convolution, eltwise, ...
	Impl      string  `json:"impl"`      // brg:avx512_core_amx_bf16, jit:avx512_core, ...
	SrcType   string  `json:"src"`       // bf16, f32, s8, u8
	Calls     int     `json:"calls"`     // executions
	Ms        float64 `json:"ms"`        // their total time as oneDNN measured it
}

// ParseOneDNNVerbose reads oneDNN verbose lines, in the formats of oneDNN 1.x
// ("dnnl_verbose,exec,cpu,…"), 2.x ("onednn_verbose,exec,cpu,…") and 3.x
// ("onednn_verbose[,timestamp],primitive,exec,cpu,…"); other lines are
// ignored.
func ParseOneDNNVerbose(lines []string) OneDNN {
	var d OneDNN
	uses := map[[3]string]*OneDNNUse{}
	for _, line := range lines {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) < 3 || (f[0] != "onednn_verbose" && f[0] != "dnnl_verbose") {
			continue
		}
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if i := slices.Index(f, "info"); i > 0 {
			parseOneDNNInfo(&d, f[i+1:])
			continue
		}
		// exec fields: engine, primitive, implementation, prop kind, memory
		// descriptors, attributes, auxiliary, problem, time (ms).
		i := slices.Index(f, "exec")
		if i < 0 || len(f) < i+10 {
			continue
		}
		key := [3]string{f[i+2], f[i+3], srcType(f[i+5])}
		u := uses[key]
		if u == nil {
			u = &OneDNNUse{Primitive: key[0], Impl: key[1], SrcType: key[2]}
			uses[key] = u
		}
		u.Calls++
		if ms, err := strconv.ParseFloat(f[len(f)-1], 64); err == nil {
			u.Ms += ms
		}
	}
	for _, u := range uses {
		d.Uses = append(d.Uses, *u)
	}
	slices.SortFunc(d.Uses, func(a, b OneDNNUse) int {
		return cmp.Or(cmp.Compare(b.Ms, a.Ms), cmp.Compare(b.Calls, a.Calls), strings.Compare(a.Impl, b.Impl))
	})
	return d
}

func parseOneDNNInfo(d *OneDNN, f []string) {
	switch {
	case len(f) >= 1 && strings.HasPrefix(f[0], "oneDNN "), len(f) >= 1 && strings.HasPrefix(f[0], "DNNL "):
		if v := strings.Fields(f[0]); len(v) > 1 {
			d.Version = v[1]
		}
	case len(f) >= 2 && f[0] == "cpu" && strings.HasPrefix(f[1], "isa:"):
		// The ISA description may itself contain commas ("AVX512BW, AVX512VL, ...").
		d.ISA = strings.TrimPrefix(strings.Join(f[1:], ", "), "isa:")
	}
}

// srcType is the data type of the first source operand in a memory
// descriptor field ("src_bf16::blocked:ab:f0 wei_bf16::…", "data_f32::…").
func srcType(md string) string {
	for _, m := range strings.Fields(md) {
		name, _, _ := strings.Cut(m, ":")
		if arg, typ, ok := strings.Cut(name, "_"); ok && (arg == "src" || arg == "data") {
			return typ
		}
	}
	return ""
}

// gemmPrimitives are the oneDNN primitives that do a run's matrix products.
var gemmPrimitives = []string{"matmul", "inner_product", "convolution"}

// GEMM is the implementation that spent the most time in matrix-product
// primitives, with its share of their time; ok is false when oneDNN ran no
// matrix product (PyTorch's fp32 products go to its BLAS).
func (d OneDNN) GEMM() (use OneDNNUse, share float64, ok bool) {
	total := 0.0
	for _, u := range d.Uses {
		if slices.Contains(gemmPrimitives, u.Primitive) {
			total += u.Ms
			if !ok {
				use, ok = u, true
			}
		}
	}
	if ok && total > 0 {
		share = use.Ms / total
	}
	return use, share, ok
}

// String is one line for a table header.
func (d OneDNN) String() string {
	s := "oneDNN " + cmp.Or(d.Version, "(version unknown)")
	if d.ISA != "" {
		s += fmt.Sprintf(", ISA %q", d.ISA)
	}
	if u, share, ok := d.GEMM(); ok {
		s += fmt.Sprintf("; matrix products: %s on %s (%.0f%% of their time, %d calls)", u.Primitive, u.Impl, 100*share, u.Calls)
	} else {
		s += "; no matrix product in oneDNN"
	}
	return s
}
