package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"

	"github.com/nerkit/nerkit/internal/atomicfile"
)

// WriteSafetensors writes tensors as F32 in the layout the Python/Rust
// safetensors library produces (names sorted, header padded with spaces to a
// multiple of 8 so the data section is aligned), with "format":"pt" metadata
// so transformers accepts the file. The file is replaced atomically.
func WriteSafetensors(path string, tensors map[string]Tensor, metadata map[string]string) error {
	return writeFileAtomic(path, func(w io.Writer) error {
		return EncodeSafetensors(w, tensors, metadata)
	})
}

// EncodeSafetensors writes a safetensors file to w; see WriteSafetensors.
func EncodeSafetensors(w io.Writer, tensors map[string]Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		if name == "" || name == "__metadata__" {
			return fmt.Errorf("safetensors: invalid tensor name %q", name)
		}
		n, err := checkedNumel(t.Shape)
		if err != nil {
			return fmt.Errorf("safetensors: tensor %q: %v", name, err)
		}
		if n != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q: shape %v needs %d values, has %d", name, t.Shape, n, len(t.Data))
		}
		names = append(names, name)
	}
	sort.Strings(names)

	meta := map[string]string{"format": "pt"}
	for k, v := range metadata {
		meta[k] = v
	}
	// Built by hand so the entry order is the data order, as in the
	// reference implementation (encoding/json would sort the keys anyway,
	// but this keeps the header independent of that detail).
	hdr := []byte(`{"__metadata__":`)
	hdr = appendJSON(hdr, meta)
	var off int64
	for _, name := range names {
		t := tensors[name]
		hdr = append(hdr, ',')
		hdr = appendJSON(hdr, name)
		hdr = append(hdr, `:{"dtype":"F32","shape":[`...)
		for i, d := range t.Shape {
			if i > 0 {
				hdr = append(hdr, ',')
			}
			hdr = strconv.AppendInt(hdr, int64(d), 10)
		}
		end := off + 4*int64(len(t.Data))
		hdr = append(hdr, `],"data_offsets":[`...)
		hdr = strconv.AppendInt(hdr, off, 10)
		hdr = append(hdr, ',')
		hdr = strconv.AppendInt(hdr, end, 10)
		hdr = append(hdr, "]}"...)
		off = end
	}
	hdr = append(hdr, '}')
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(hdr)))
	bw.Write(prefix[:])
	bw.Write(hdr)
	var buf []byte
	for _, name := range names {
		data := tensors[name].Data
		if hostLittleEndian {
			bw.Write(f32Bytes(data))
			continue
		}
		buf = buf[:0]
		for _, v := range data {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		bw.Write(buf)
	}
	return bw.Flush()
}

// appendJSON encodes v without HTML escaping, like serde_json does.
func appendJSON(dst []byte, v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only strings and string maps are passed
	}
	return append(dst, bytes.TrimRight(b.Bytes(), "\n")...)
}

func checkedNumel(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d != 0 && n > math.MaxInt/d {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n *= d
	}
	return n, nil
}

// writeFileAtomic writes path atomically (see internal/atomicfile).
func writeFileAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// syncDir makes a rename durable.
func syncDir(dir string) { atomicfile.SyncDir(dir) }
