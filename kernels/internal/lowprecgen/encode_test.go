package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// encodingSamples covers every encoder over all tile registers, every zmm
// register in each operand slot, and memory operands with low and high
// base/index registers and 0/8/32-bit displacements.
func encodingSamples() []insn {
	var out []insn
	mems := []mem{
		{rSI, r9, 0}, {rDI, r9, 1024}, {rDX, r8, 64}, {r10, r8, 0}, {r11, r12, -64},
		{rAX, rBX, 100000}, {r13, rCX, 0}, {rBP, r11, 8}, {rSP, rDX, 0}, {r12, rAX, 0},
	}
	out = append(out, tilerelease(), ldtilecfg(mem{rAX, -1, 0}), ldtilecfg(mem{r10, -1, 16}), ldtilecfg(mem{rSP, -1, 0}))
	for _, m := range mems {
		out = append(out, prefetchw(m))
	}
	out = append(out, prefetchw(mem{r11, -1, 64}), prefetchw(mem{rDX, -1, 0}))
	for t := 0; t < 8; t++ {
		out = append(out, tilezero(t))
		for _, m := range mems {
			out = append(out, tileloadd(t, m), tileloaddt1(t, m), tilestored(t, m))
		}
		for a := 0; a < 8; a++ {
			b := (a + 1) % 8
			if b == t {
				b = (a + 2) % 8
			}
			if a == t {
				continue
			}
			for _, name := range []string{"tdpbf16ps", "tdpbusd", "tdpbssd"} {
				out = append(out, tileDot(name, t, a, b))
			}
		}
	}
	for r := 0; r < 32; r++ {
		for _, f := range []func(a, b, c int) insn{vdpbf16ps, vcvtne2ps2bf16} {
			out = append(out, f(r, (r+7)%32, (r+19)%32), f((r+11)%32, r, (r+5)%32), f((r+23)%32, (r+13)%32, r))
		}
	}
	return out
}

// TestEncodingsMatchGNUAssembler assembles each sample's GNU spelling with
// binutils and compares the bytes with the generator's.
func TestEncodingsMatchGNUAssembler(t *testing.T) {
	as, err := exec.LookPath("as")
	if err != nil {
		t.Skip("GNU as not installed (Debian: apt-get install binutils); encodings not cross-checked")
	}
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		t.Skip("objcopy not installed (Debian: apt-get install binutils)")
	}
	samples := encodingSamples()
	var src strings.Builder
	src.WriteString(".text\n")
	for _, in := range samples {
		src.WriteString(in.gnu + "\n")
	}
	dir := t.TempDir()
	s, o, bin := filepath.Join(dir, "x.s"), filepath.Join(dir, "x.o"), filepath.Join(dir, "x.bin")
	if err := os.WriteFile(s, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "--64", "-o", o, s).CombinedOutput(); err != nil {
		t.Fatalf("as: %v\n%s", err, out)
	}
	if out, err := exec.Command(objcopy, "-O", "binary", "--only-section=.text", o, bin).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, out)
	}
	got, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	off := 0
	for _, in := range samples {
		n := len(in.bytes)
		if off+n > len(got) || !bytes.Equal(got[off:off+n], in.bytes) {
			end := min(off+n+4, len(got))
			t.Fatalf("%s: generator % x, as % x", in.gnu, in.bytes, got[min(off, len(got)):end])
		}
		off += n
	}
	if off != len(got) {
		t.Fatalf("as produced %d bytes, generator %d", len(got), off)
	}
	t.Logf("%d encodings match GNU as", len(samples))
}

// TestGeneratedFileIsCurrent fails when kernels/lowprec_amd64.s was edited
// by hand or not regenerated after a change here (go generate ./kernels/).
func TestGeneratedFileIsCurrent(t *testing.T) {
	committed, err := os.ReadFile("../../lowprec_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, generate()) {
		t.Fatal("kernels/lowprec_amd64.s differs from the generator's output: run go generate ./kernels/")
	}
}
