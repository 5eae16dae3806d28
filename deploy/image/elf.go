package image

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// goarch maps ELF machines to the GOARCH names OCI platforms use.
var goarch = map[elf.Machine]string{
	elf.EM_X86_64:  "amd64",
	elf.EM_AARCH64: "arm64",
	elf.EM_386:     "386",
	elf.EM_ARM:     "arm",
	elf.EM_PPC64:   "ppc64le",
	elf.EM_S390:    "s390x",
	elf.EM_RISCV:   "riscv64",
}

// checkStaticLinux returns the architecture of a Linux executable and
// refuses one that needs a dynamic loader: on an empty base it would fail
// to start with a puzzling "no such file or directory".
func checkStaticLinux(exe string) (string, error) {
	f, err := elf.Open(exe)
	if err != nil {
		return "", fmt.Errorf("%s: not a Linux executable: %w", exe, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return "", fmt.Errorf("%s: not an executable (ELF type %v)", exe, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", fmt.Errorf("%s: dynamically linked; build it with CGO_ENABLED=0 so it runs on an empty base", exe)
		}
	}
	arch, ok := goarch[f.Machine]
	if f.Machine == elf.EM_PPC64 && f.ByteOrder == binary.BigEndian {
		arch = "ppc64"
	}
	if !ok {
		return "", fmt.Errorf("%s: unsupported machine %v", exe, f.Machine)
	}
	return arch, nil
}
