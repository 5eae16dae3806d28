package bench

import (
	"strings"
	"testing"
)

// Lines as oneDNN 2.6.3 (Debian's torch 1.13) printed them for one bf16
// autocast training step of a small model on this machine, plus an fp32
// GELU, and a oneDNN 3.x line (a "primitive" field before "exec", a
// timestamp, "::f0" layouts).
var verboseSample = []string{
	"onednn_verbose,info,oneDNN v2.6.3 (commit N/A)",
	"onednn_verbose,info,cpu,runtime:OpenMP,nthr:2",
	"onednn_verbose,info,cpu,isa:Intel AVX-512 with Intel DL Boost and bfloat16 support and Intel AMX with bfloat16 and 8-bit integer support",
	"onednn_verbose,info,gpu,runtime:OpenCL",
	"onednn_verbose,info,prim_template:operation,engine,primitive,implementation,prop_kind,memory_descriptors,attributes,auxiliary,problem_desc,exec_time",
	"onednn_verbose,exec,cpu,matmul,brg:avx512_core_amx_bf16,undef,src_bf16::blocked:ab:f0 wei_bf16::blocked:ba:f0 dst_bf16::blocked:ab:f0,attr-scratchpad:user attr-post-ops:sum ,,16x64:64x64:16x64,0.0119629",
	"onednn_verbose,exec,cpu,matmul,brg:avx512_core_amx_bf16,undef,src_bf16::blocked:abc:f0 wei_bf16::blocked:abc:f0 dst_bf16::blocked:abc:f0,attr-scratchpad:user ,,4x8x32:4x32x8:4x8x8,0.0129395",
	"onednn_verbose,exec,cpu,matmul,gemm:jit,undef,src_bf16::blocked:ab:f0 wei_bf16::blocked:ba:f0 dst_bf16::blocked:ab:f0,attr-scratchpad:user ,,1x64:64x9:1x9,0.001",
	"onednn_verbose,exec,cpu,eltwise,jit:avx512_core,forward_training,data_f32::blocked:abc:f0 diff_undef::undef::f0,attr-scratchpad:user ,alg:eltwise_gelu_erf alpha:0 beta:0,16x64x512,0.263916",
	"some library chatter that is not verbose output",
	"onednn_verbose,1712345678.123,primitive,exec,cpu,matmul,brg:avx512_core_amx,undef,src_bf16::blocked:ab::f0 wei_bf16::blocked:ab::f0 dst_f32::blocked:ab::f0,,,128x256:256x512,0.0908203",
}

func TestParseOneDNNVerbose(t *testing.T) {
	d := ParseOneDNNVerbose(verboseSample)
	if d.Version != "v2.6.3" {
		t.Errorf("version %q", d.Version)
	}
	if !strings.HasPrefix(d.ISA, "Intel AVX-512 with") || !strings.Contains(d.ISA, "Intel AMX with bfloat16") {
		t.Errorf("ISA %q", d.ISA)
	}
	want := map[[3]string]int{
		{"matmul", "brg:avx512_core_amx_bf16", "bf16"}: 2,
		{"matmul", "gemm:jit", "bf16"}:                 1,
		{"eltwise", "jit:avx512_core", "f32"}:          1,
		{"matmul", "brg:avx512_core_amx", "bf16"}:      1,
	}
	if len(d.Uses) != len(want) {
		t.Fatalf("uses %+v", d.Uses)
	}
	for _, u := range d.Uses {
		if want[[3]string{u.Primitive, u.Impl, u.SrcType}] != u.Calls {
			t.Errorf("unexpected use %+v", u)
		}
	}
	for i := 1; i < len(d.Uses); i++ {
		if d.Uses[i].Ms > d.Uses[i-1].Ms {
			t.Fatalf("uses not sorted by time: %+v", d.Uses)
		}
	}
	// GELU (eltwise) took the most time, but the matrix products' implementation
	// is the one with the most time among matmul/inner_product/convolution.
	u, share, ok := d.GEMM()
	if !ok || u.Impl != "brg:avx512_core_amx" || u.Calls != 1 {
		t.Fatalf("GEMM() = %+v %v", u, ok)
	}
	if total := 0.0119629 + 0.0129395 + 0.001 + 0.0908203; share < 0.0908203/total-1e-9 || share > 0.0908203/total+1e-9 {
		t.Fatalf("share %g", share)
	}
	if s := d.String(); !strings.Contains(s, "matmul on brg:avx512_core_amx (") || !strings.Contains(s, "v2.6.3") {
		t.Fatalf("String() = %q", s)
	}
}

// The ISA description of older CPUs contains commas; it must survive whole.
func TestParseOneDNNVerboseISAWithCommas(t *testing.T) {
	d := ParseOneDNNVerbose([]string{"dnnl_verbose,info,cpu,isa:Intel AVX-512 with AVX512BW, AVX512VL, and AVX512DQ extensions", "dnnl_verbose,info,DNNL v1.6.0 (commit N/A)"})
	if d.ISA != "Intel AVX-512 with AVX512BW, AVX512VL, and AVX512DQ extensions" || d.Version != "v1.6.0" {
		t.Fatalf("%+v", d)
	}
}

// fp32 PyTorch runs its products in its BLAS: oneDNN then shows no GEMM.
func TestOneDNNWithoutGEMM(t *testing.T) {
	d := ParseOneDNNVerbose(verboseSample[:5])
	if _, _, ok := d.GEMM(); ok || len(d.Uses) != 0 {
		t.Fatalf("%+v", d)
	}
	if !strings.Contains(d.String(), "no matrix product in oneDNN") {
		t.Fatal(d.String())
	}
	b := &Backend{OpenBLASCore: "SkylakeX", OneDNN: d}
	if b.GEMMISA() != ISAAVX512FP32 {
		t.Fatal(b.GEMMISA())
	}
	b.OneDNN = ParseOneDNNVerbose(verboseSample)
	if b.GEMMISA() != ISAAMXBF16 {
		t.Fatal(b.GEMMISA())
	}
}
