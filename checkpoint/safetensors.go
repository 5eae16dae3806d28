package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"unsafe"
)

// MaxSafetensorsHeader caps the JSON header so a corrupt length prefix cannot
// make us allocate gigabytes before anything is validated (the Rust reference
// uses the same 100 MB limit).
const MaxSafetensorsHeader = 100 << 20

// ErrMalformed is wrapped by every error that reports a structurally invalid
// checkpoint file (as opposed to an I/O failure).
var ErrMalformed = errors.New("malformed checkpoint")

// Tensor64 is a tensor kept in float64, for golden reference values that the
// tests compare float32 results against.
type Tensor64 struct {
	Shape []int
	Data  []float64
}

// TensorInfo describes one entry of a safetensors header. Begin and End are
// byte offsets relative to the start of the data section.
type TensorInfo struct {
	Name       string
	DType      string
	Shape      []int
	Begin, End int64
}

// NumElements returns the product of the shape.
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// IsFloat reports whether the entry's dtype is one that the readers convert
// to float32/float64.
func (t TensorInfo) IsFloat() bool { return dtypes[t.DType].float }

// SafetensorsHeader is the validated header of a safetensors file.
type SafetensorsHeader struct {
	Metadata map[string]string
	Tensors  []TensorInfo // sorted by Begin
	DataSize int64        // bytes in the data section
}

// Skipped lists the entries the float readers leave out (integer and bool
// buffers such as position_ids).
func (h *SafetensorsHeader) Skipped() []TensorInfo {
	var out []TensorInfo
	for _, t := range h.Tensors {
		if !t.IsFloat() {
			out = append(out, t)
		}
	}
	return out
}

type dtypeInfo struct {
	size  int
	float bool // convertible to float32/float64
}

// dtypes lists every dtype the safetensors format defines with a whole-byte
// element size. Non-float ones are validated and then skipped; F8 variants are
// known but refused, since silently dropping a weight would be worse.
var dtypes = map[string]dtypeInfo{
	"BOOL": {1, false}, "U8": {1, false}, "I8": {1, false},
	"I16": {2, false}, "U16": {2, false},
	"I32": {4, false}, "U32": {4, false},
	"I64": {8, false}, "U64": {8, false},
	"F16": {2, true}, "BF16": {2, true}, "F32": {4, true}, "F64": {8, true},
	"F8_E4M3": {1, false}, "F8_E5M2": {1, false}, "F8_E8M0": {1, false},
}

func isUnsupportedFloat(dtype string) bool {
	switch dtype {
	case "F8_E4M3", "F8_E5M2", "F8_E8M0":
		return true
	}
	return false
}

func malformed(file, format string, args ...any) error {
	return fmt.Errorf("%s: %w: %s", file, ErrMalformed, fmt.Sprintf(format, args...))
}

type rawEntry struct {
	DType       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	DataOffsets []uint64 `json:"data_offsets"`
}

// readHeader parses and validates the header of a safetensors file of the
// given total size. It returns the header and the file offset of the data
// section. Nothing proportional to the claimed sizes is allocated before the
// length prefix has been checked against size.
func readHeader(r io.ReaderAt, size int64, file string) (*SafetensorsHeader, int64, error) {
	if size < 8 {
		return nil, 0, malformed(file, "safetensors file is %d bytes, shorter than the 8-byte length prefix", size)
	}
	var prefix [8]byte
	if _, err := r.ReadAt(prefix[:], 0); err != nil {
		return nil, 0, fmt.Errorf("%s: reading safetensors length prefix: %w", file, err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > MaxSafetensorsHeader {
		return nil, 0, malformed(file, "safetensors header length %d exceeds the %d-byte limit", n, MaxSafetensorsHeader)
	}
	if n > uint64(size-8) {
		return nil, 0, malformed(file, "safetensors header length %d exceeds the %d bytes after the prefix", n, size-8)
	}
	if n < 2 {
		return nil, 0, malformed(file, "safetensors header length %d is too short for a JSON object", n)
	}
	hdr := make([]byte, n)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, 0, fmt.Errorf("%s: reading safetensors header: %w", file, err)
	}
	dataStart := 8 + int64(n)
	h, err := parseHeader(hdr, size-dataStart, file)
	if err != nil {
		return nil, 0, err
	}
	return h, dataStart, nil
}

func parseHeader(hdr []byte, dataSize int64, file string) (*SafetensorsHeader, error) {
	if hdr[0] != '{' {
		return nil, malformed(file, "safetensors header does not start with '{'")
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(hdr))
	if err := dec.Decode(&raw); err != nil {
		return nil, malformed(file, "safetensors header is not valid JSON: %v", err)
	}
	// Only whitespace padding may follow the object.
	if rest := bytes.TrimRight(hdr[dec.InputOffset():], " \t\r\n"); len(rest) != 0 {
		return nil, malformed(file, "safetensors header has trailing bytes after the JSON object")
	}
	h := &SafetensorsHeader{DataSize: dataSize}
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &h.Metadata); err != nil {
				return nil, malformed(file, "safetensors __metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		info, err := parseEntry(name, msg, file)
		if err != nil {
			return nil, err
		}
		h.Tensors = append(h.Tensors, info)
	}
	sort.Slice(h.Tensors, func(i, j int) bool {
		a, b := h.Tensors[i], h.Tensors[j]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.Name < b.Name
	})
	// Like the Rust reference: the entries tile the data section exactly, so
	// no byte is shared between tensors and none is unaccounted for.
	var pos int64
	for _, t := range h.Tensors {
		if t.Begin != pos {
			if t.Begin < pos {
				return nil, malformed(file, "tensor %q: data_offsets [%d, %d) overlap the previous tensor, which ends at %d", t.Name, t.Begin, t.End, pos)
			}
			return nil, malformed(file, "tensor %q: data_offsets start at %d, leaving a gap after byte %d", t.Name, t.Begin, pos)
		}
		if t.End > dataSize {
			return nil, malformed(file, "tensor %q: data_offsets end at %d, past the %d-byte data section", t.Name, t.End, dataSize)
		}
		pos = t.End
	}
	if pos != dataSize {
		return nil, malformed(file, "tensors cover %d bytes but the data section holds %d", pos, dataSize)
	}
	return h, nil
}

func parseEntry(name string, msg json.RawMessage, file string) (TensorInfo, error) {
	var e rawEntry
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return TensorInfo{}, malformed(file, "tensor %q: bad header entry: %v", name, err)
	}
	dt, ok := dtypes[e.DType]
	if !ok {
		return TensorInfo{}, malformed(file, "tensor %q: unknown dtype %q", name, e.DType)
	}
	if len(e.DataOffsets) != 2 {
		return TensorInfo{}, malformed(file, "tensor %q: data_offsets must hold 2 numbers, got %d", name, len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin > end || end > math.MaxInt64 {
		return TensorInfo{}, malformed(file, "tensor %q: invalid data_offsets [%d, %d]", name, begin, end)
	}
	shape := make([]int, len(e.Shape))
	elems := uint64(1)
	for i, d := range e.Shape {
		if d < 0 {
			return TensorInfo{}, malformed(file, "tensor %q: negative dimension %d in shape %v", name, d, e.Shape)
		}
		hi, lo := mul64(elems, uint64(d))
		if hi != 0 || lo > math.MaxInt32*uint64(math.MaxInt32) {
			return TensorInfo{}, malformed(file, "tensor %q: shape %v overflows", name, e.Shape)
		}
		if int64(int(d)) != d { // 32-bit platforms
			return TensorInfo{}, malformed(file, "tensor %q: dimension %d does not fit in an int", name, d)
		}
		elems = lo
		shape[i] = int(d)
	}
	hi, nbytes := mul64(elems, uint64(dt.size))
	if hi != 0 || nbytes != end-begin {
		return TensorInfo{}, malformed(file, "tensor %q: shape %v of %s needs %d elements × %d bytes, but data_offsets [%d, %d] span %d bytes",
			name, e.Shape, e.DType, elems, dt.size, begin, end, end-begin)
	}
	return TensorInfo{Name: name, DType: e.DType, Shape: shape, Begin: int64(begin), End: int64(end)}, nil
}

func mul64(a, b uint64) (hi, lo uint64) {
	if a == 0 || b == 0 {
		return 0, 0
	}
	lo = a * b
	if lo/b != a {
		return 1, lo
	}
	return 0, lo
}

// SafetensorsFile is everything read from a safetensors file: the float
// tensors converted to float32, and the header (with the skipped entries).
type SafetensorsFile struct {
	Header  *SafetensorsHeader
	Tensors map[string]Tensor
}

// ReadSafetensors reads the float tensors of a safetensors file (F32, F16,
// BF16 and F64, all converted to float32). Integer and bool entries such as
// position_ids buffers are validated and skipped; see ReadSafetensorsFile.
func ReadSafetensors(path string) (map[string]Tensor, error) {
	f, err := ReadSafetensorsFile(path)
	if err != nil {
		return nil, err
	}
	return f.Tensors, nil
}

// ReadSafetensorsFile is ReadSafetensors that also returns the header, so the
// caller can see the metadata and the entries that were skipped.
func ReadSafetensorsFile(path string) (*SafetensorsFile, error) {
	return withFile(path, func(f *os.File, size int64) (*SafetensorsFile, error) {
		return decodeFile(f, size, path)
	})
}

// withFile opens path and hands the decoder the file and its size.
func withFile[T any](path string, decode func(f *os.File, size int64) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return zero, err
	}
	return decode(f, st.Size())
}

// DecodeSafetensors decodes an in-memory safetensors file. name is used in
// error messages only.
func DecodeSafetensors(data []byte, name string) (map[string]Tensor, error) {
	f, err := decodeFile(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		return nil, err
	}
	return f.Tensors, nil
}

// InspectSafetensors reads and validates only the header of a file.
func InspectSafetensors(path string) (*SafetensorsHeader, error) {
	return withFile(path, func(f *os.File, size int64) (*SafetensorsHeader, error) {
		h, _, err := readHeader(f, size, path)
		return h, err
	})
}

func decodeFile(r io.ReaderAt, size int64, file string) (*SafetensorsFile, error) {
	h, dataStart, err := readHeader(r, size, file)
	if err != nil {
		return nil, err
	}
	out := &SafetensorsFile{Header: h, Tensors: make(map[string]Tensor, len(h.Tensors))}
	var scratch []byte
	for _, t := range h.Tensors {
		if isUnsupportedFloat(t.DType) {
			return nil, fmt.Errorf("%s: tensor %q: dtype %s is not supported; convert the checkpoint to F32, F16 or BF16", file, t.Name, t.DType)
		}
		if !t.IsFloat() {
			continue
		}
		n := t.NumElements()
		data := make([]float32, n)
		off := dataStart + t.Begin
		nbytes := int(t.End - t.Begin)
		if t.DType == "F32" && hostLittleEndian {
			// Read straight into the result: no second copy of the largest
			// tensors (mBERT's embedding matrix is 700 MB of F32).
			if _, err := r.ReadAt(f32Bytes(data), off); err != nil {
				return nil, fmt.Errorf("%s: tensor %q: %w", file, t.Name, err)
			}
		} else {
			if cap(scratch) < nbytes {
				scratch = make([]byte, nbytes)
			}
			buf := scratch[:nbytes]
			if _, err := r.ReadAt(buf, off); err != nil {
				return nil, fmt.Errorf("%s: tensor %q: %w", file, t.Name, err)
			}
			convertToF32(data, buf, t.DType)
		}
		out.Tensors[t.Name] = Tensor{Shape: t.Shape, Data: data}
	}
	return out, nil
}

// ReadSafetensorsF64 reads the float tensors of a file keeping float64
// precision (F64 entries are exact; narrower dtypes are widened).
func ReadSafetensorsF64(path string) (map[string]Tensor64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return DecodeSafetensorsF64(data, path)
}

// DecodeSafetensorsF64 is the in-memory form of ReadSafetensorsF64.
func DecodeSafetensorsF64(data []byte, name string) (map[string]Tensor64, error) {
	h, dataStart, err := readHeader(bytes.NewReader(data), int64(len(data)), name)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Tensor64, len(h.Tensors))
	for _, t := range h.Tensors {
		if isUnsupportedFloat(t.DType) {
			return nil, fmt.Errorf("%s: tensor %q: dtype %s is not supported", name, t.Name, t.DType)
		}
		if !t.IsFloat() {
			continue
		}
		vals := make([]float64, t.NumElements())
		convertToF64(vals, data[dataStart+t.Begin:dataStart+t.End], t.DType)
		out[t.Name] = Tensor64{Shape: t.Shape, Data: vals}
	}
	return out, nil
}

var hostLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func f32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

func convertToF32(dst []float32, src []byte, dtype string) {
	le := binary.LittleEndian
	switch dtype {
	case "F32":
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(src[4*i:]))
		}
	case "F64":
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(src[8*i:])))
		}
	case "F16":
		for i := range dst {
			dst[i] = F16ToF32(le.Uint16(src[2*i:]))
		}
	case "BF16":
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(le.Uint16(src[2*i:])) << 16)
		}
	default:
		panic("checkpoint: convertToF32 called with " + dtype)
	}
}

func convertToF64(dst []float64, src []byte, dtype string) {
	le := binary.LittleEndian
	switch dtype {
	case "F64":
		for i := range dst {
			dst[i] = math.Float64frombits(le.Uint64(src[8*i:]))
		}
	case "F32":
		for i := range dst {
			dst[i] = float64(math.Float32frombits(le.Uint32(src[4*i:])))
		}
	case "F16":
		for i := range dst {
			dst[i] = float64(F16ToF32(le.Uint16(src[2*i:])))
		}
	case "BF16":
		for i := range dst {
			dst[i] = float64(math.Float32frombits(uint32(le.Uint16(src[2*i:])) << 16))
		}
	default:
		panic("checkpoint: convertToF64 called with " + dtype)
	}
}

// F16ToF32 converts an IEEE 754 binary16 value to float32 exactly, including
// subnormals, infinities and NaN payloads.
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	default: // subnormal: normalise the mantissa
		e := uint32(113)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
	}
}
