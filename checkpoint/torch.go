package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/nlpodyssey/gopickle/pickle"
	"github.com/nlpodyssey/gopickle/types"
)

// maxPickleSize bounds data.pkl. A BERT state dict's pickle is tens of KB
// (about 150 bytes per tensor); gopickle allocates up to ~240 bytes per
// pickle byte on hostile input (measured: a run of EMPTY_DICT), so 4 MB caps
// that near 1 GB.
const maxPickleSize = 4 << 20

// SkippedEntry is a state-dict entry a reader left out, with the reason.
type SkippedEntry struct {
	Name   string
	Reason string
}

// TorchFile is what ReadTorchBinFile returns.
type TorchFile struct {
	Tensors map[string]Tensor
	Skipped []SkippedEntry // integer buffers (position_ids), non-tensor values
}

// ReadTorchBin reads the float tensors of a torch.save'd state dict in the
// zip format (torch >= 1.6), as written by transformers' save_pretrained
// before safetensors. The pickle is interpreted, never executed: only a fixed
// set of globals (tensor rebuild functions, storage types, OrderedDict) is
// accepted. F32, F16, BF16 and F64 storages are converted to float32;
// integer tensors are skipped.
func ReadTorchBin(path string) (map[string]Tensor, error) {
	f, err := ReadTorchBinFile(path)
	if err != nil {
		return nil, err
	}
	return f.Tensors, nil
}

// ReadTorchBinFile is ReadTorchBin that also reports skipped entries.
func ReadTorchBinFile(path string) (*TorchFile, error) {
	return withFile(path, func(f *os.File, size int64) (*TorchFile, error) {
		return decodeTorch(f, size, path)
	})
}

// DecodeTorchBin is the in-memory form of ReadTorchBinFile; name is used in
// error messages.
func DecodeTorchBin(data []byte, name string) (*TorchFile, error) {
	return decodeTorch(bytes.NewReader(data), int64(len(data)), name)
}

type torchStorageType struct {
	class string // e.g. "FloatStorage"
	dtype string // safetensors dtype name
	size  int
	float bool
}

var torchStorageTypes = map[string]*torchStorageType{
	"FloatStorage":    {"FloatStorage", "F32", 4, true},
	"HalfStorage":     {"HalfStorage", "F16", 2, true},
	"BFloat16Storage": {"BFloat16Storage", "BF16", 2, true},
	"DoubleStorage":   {"DoubleStorage", "F64", 8, true},
	"LongStorage":     {"LongStorage", "I64", 8, false},
	"IntStorage":      {"IntStorage", "I32", 4, false},
	"ShortStorage":    {"ShortStorage", "I16", 2, false},
	"CharStorage":     {"CharStorage", "I8", 1, false},
	"ByteStorage":     {"ByteStorage", "U8", 1, false},
	"BoolStorage":     {"BoolStorage", "BOOL", 1, false},
}

type torchStorage struct {
	typ   *torchStorageType
	key   string
	numel int
}

type torchTensor struct {
	storage *torchStorage
	offset  int
	size    []int
	stride  []int
}

// rebuildTensorV2 stands for torch._utils._rebuild_tensor_v2(storage,
// storage_offset, size, stride, requires_grad, backward_hooks[, metadata]).
type rebuildTensorV2 struct{}

func (rebuildTensorV2) Call(args ...any) (any, error) {
	if len(args) < 4 || len(args) > 7 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 called with %d arguments", len(args))
	}
	st, ok := args[0].(*torchStorage)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: first argument is %T, not a storage", args[0])
	}
	offset, ok := args[1].(int)
	if !ok || offset < 0 {
		return nil, fmt.Errorf("_rebuild_tensor_v2: bad storage offset %v", args[1])
	}
	size, err := intTuple(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := intTuple(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, fmt.Errorf("_rebuild_tensor_v2: size %v and stride %v differ in rank", size, stride)
	}
	return &torchTensor{storage: st, offset: offset, size: size, stride: stride}, nil
}

// rebuildParameter stands for torch._utils._rebuild_parameter(data,
// requires_grad, backward_hooks): the Parameter is just its tensor here.
type rebuildParameter struct{}

func (rebuildParameter) Call(args ...any) (any, error) {
	if len(args) < 1 {
		return nil, errors.New("_rebuild_parameter called without data")
	}
	if _, ok := args[0].(*torchTensor); !ok {
		return nil, fmt.Errorf("_rebuild_parameter: data is %T, not a tensor", args[0])
	}
	return args[0], nil
}

func intTuple(v any, what string) ([]int, error) {
	t, ok := v.(*types.Tuple)
	if !ok {
		return nil, fmt.Errorf("_rebuild_tensor_v2: %s is %T, not a tuple", what, v)
	}
	out := make([]int, len(*t))
	for i, e := range *t {
		n, ok := e.(int)
		if !ok || n < 0 {
			return nil, fmt.Errorf("_rebuild_tensor_v2: %s has bad element %v", what, e)
		}
		out[i] = n
	}
	return out, nil
}

// allowedGlobal resolves the only globals a state-dict pickle may name.
func allowedGlobal(module, name string) (any, error) {
	switch module + "." + name {
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensorV2{}, nil
	case "torch._utils._rebuild_parameter":
		return rebuildParameter{}, nil
	case "collections.OrderedDict":
		return &types.OrderedDictClass{}, nil
	}
	if module == "torch" {
		if st, ok := torchStorageTypes[name]; ok {
			return st, nil
		}
	}
	return nil, fmt.Errorf("pickle references %s.%s, which is not an allowed global", module, name)
}

// decodeTorch reads a torch.save zip archive: find its pickle, interpret it
// into a state dict, keep the float tensors, then read their storages.
func decodeTorch(r io.ReaderAt, size int64, file string) (tf *TorchFile, err error) {
	// gopickle can panic on hostile input that the pre-scan does not model
	// (e.g. unhashable dict keys); turn that into an error.
	defer func() {
		if p := recover(); p != nil {
			tf, err = nil, malformed(file, "invalid pickle: %v", p)
		}
	}()
	ar, err := openTorchArchive(r, size, file)
	if err != nil {
		return nil, err
	}
	root, err := ar.unpickle()
	if err != nil {
		return nil, err
	}
	entries, err := stateDictEntries(root)
	if err != nil {
		return nil, malformed(file, "%v", err)
	}
	tf, views, err := floatTensorViews(entries, file)
	if err != nil {
		return nil, err
	}
	// Read storages in a fixed order, one at a time, so peak memory is the
	// converted tensors plus a single raw storage.
	for _, v := range views {
		if err := ar.readStorage(tf, v); err != nil {
			return nil, err
		}
	}
	return tf, nil
}

// torchArchive is an opened torch.save zip: its records by name, the
// pickle and the directory prefix they share, and the data's byte order.
type torchArchive struct {
	file    string // for error messages
	records map[string]*zip.File
	pkl     *zip.File
	prefix  string // "archive/" in "archive/data.pkl"
	order   binary.ByteOrder
}

// openTorchArchive opens the zip, finds its one data.pkl and reads the byte
// order, refusing legacy and TorchScript files with a clear message.
func openTorchArchive(r io.ReaderAt, size int64, file string) (*torchArchive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		var head [2]byte
		if n, _ := r.ReadAt(head[:], 0); n == 2 && head[0] == 0x80 {
			return nil, malformed(file, "legacy (pre-1.6) torch serialization is not supported; re-save with torch>=1.6 or convert to safetensors")
		}
		return nil, malformed(file, "not a torch zip checkpoint: %v", err)
	}
	ar := &torchArchive{file: file, records: make(map[string]*zip.File, len(zr.File)), order: binary.LittleEndian}
	for _, f := range zr.File {
		ar.records[f.Name] = f
		if f.Name == "data.pkl" || strings.HasSuffix(f.Name, "/data.pkl") {
			if ar.pkl != nil {
				return nil, malformed(file, "zip holds two pickles: %s and %s", ar.pkl.Name, f.Name)
			}
			ar.pkl = f
		}
	}
	if ar.pkl == nil {
		return nil, malformed(file, "zip has no data.pkl; not a torch.save checkpoint")
	}
	ar.prefix = strings.TrimSuffix(ar.pkl.Name, "data.pkl")
	if _, ok := ar.records[ar.prefix+"constants.pkl"]; ok {
		return nil, malformed(file, "TorchScript archives are not supported; save the state_dict instead")
	}
	if err := ar.readByteOrder(); err != nil {
		return nil, err
	}
	return ar, nil
}

// readByteOrder reads the optional byteorder record (little when absent).
func (ar *torchArchive) readByteOrder() error {
	bo, ok := ar.records[ar.prefix+"byteorder"]
	if !ok {
		return nil
	}
	b, err := readRecord(bo, 16, ar.file)
	if err != nil {
		return err
	}
	switch string(b) {
	case "little":
	case "big":
		ar.order = binary.BigEndian
	default:
		return malformed(ar.file, "unknown byteorder %q", b)
	}
	return nil
}

// unpickle checks data.pkl's opcodes, then interprets it with only the
// allowed globals, storages standing for their data records.
func (ar *torchArchive) unpickle() (any, error) {
	pklData, err := readRecord(ar.pkl, maxPickleSize, ar.file)
	if err != nil {
		return nil, err
	}
	if err := scanPickle(pklData); err != nil {
		return nil, malformed(ar.file, "%s: %v", ar.pkl.Name, err)
	}
	u := pickle.NewUnpickler(bytes.NewReader(pklData))
	u.FindClass = allowedGlobal
	u.PersistentLoad = storageRefs{}.load
	root, err := u.Load()
	if err != nil {
		return nil, malformed(ar.file, "%s: %v", ar.pkl.Name, err)
	}
	return root, nil
}

// storageRefs are the storages a pickle has referenced, by key, so that
// every reference to one key is the same *torchStorage.
type storageRefs map[string]*torchStorage

// load is the unpickler's persistent_load: it turns the tuple
// ("storage", type, key, location, numel) into a storage.
func (refs storageRefs) load(pid any) (any, error) {
	t, ok := pid.(*types.Tuple)
	if !ok || len(*t) < 5 {
		return nil, fmt.Errorf("persistent id %v is not a storage tuple", pid)
	}
	kind, _ := t.Get(0).(string)
	typ, typOK := t.Get(1).(*torchStorageType)
	key, keyOK := t.Get(2).(string)
	numel, numelOK := t.Get(4).(int)
	if kind != "storage" || !typOK || !keyOK || !numelOK || numel < 0 || numel > math.MaxInt/8 {
		return nil, fmt.Errorf("persistent id %v is not a valid storage reference", pid)
	}
	if st, ok := refs[key]; ok {
		if st.typ != typ || st.numel != numel {
			return nil, fmt.Errorf("storage %q is referenced with two different types or sizes", key)
		}
		return st, nil
	}
	st := &torchStorage{typ: typ, key: key, numel: numel}
	refs[key] = st
	return st, nil
}

// storageViews are the state-dict entries that view one storage.
type storageViews struct {
	storage *torchStorage
	entries []stateEntry // each value a *torchTensor
}

// floatTensorViews sorts the entries: non-tensors and integer tensors are
// recorded as skipped, float tensors are bounds-checked and grouped by
// storage (in storage-key order).
func floatTensorViews(entries []stateEntry, file string) (*TorchFile, []storageViews, error) {
	tf := &TorchFile{Tensors: make(map[string]Tensor, len(entries))}
	byStorage := map[*torchStorage][]stateEntry{}
	for _, e := range entries {
		t, ok := e.value.(*torchTensor)
		if !ok {
			tf.Skipped = append(tf.Skipped, SkippedEntry{e.name, fmt.Sprintf("not a tensor (%T)", e.value)})
			continue
		}
		if !t.storage.typ.float {
			tf.Skipped = append(tf.Skipped, SkippedEntry{e.name, "non-float tensor (" + t.storage.typ.class + ")"})
			continue
		}
		if err := checkView(t); err != nil {
			return nil, nil, malformed(file, "tensor %q: %v", e.name, err)
		}
		byStorage[t.storage] = append(byStorage[t.storage], e)
	}
	views := make([]storageViews, 0, len(byStorage))
	for st, es := range byStorage {
		views = append(views, storageViews{st, es})
	}
	sort.Slice(views, func(i, j int) bool { return views[i].storage.key < views[j].storage.key })
	return tf, views, nil
}

// readStorage reads one storage's data record and adds its views to tf.
func (ar *torchArchive) readStorage(tf *TorchFile, v storageViews) error {
	st, file := v.storage, ar.file
	rec, ok := ar.records[ar.prefix+"data/"+st.key]
	if !ok {
		return malformed(file, "storage %q (used by %q) has no record %sdata/%s", st.key, v.entries[0].name, ar.prefix, st.key)
	}
	want := uint64(st.numel) * uint64(st.typ.size)
	if rec.Method != zip.Store {
		return malformed(file, "record %s is compressed; torch.save stores tensor data uncompressed", rec.Name)
	}
	if rec.UncompressedSize64 != want {
		return malformed(file, "record %s holds %d bytes, but storage %q is %d × %d bytes", rec.Name, rec.UncompressedSize64, st.key, st.numel, st.typ.size)
	}
	if done, err := ar.readWholeF32(tf, rec, v); done || err != nil {
		return err
	}
	raw, err := readRecord(rec, int64(want), file)
	if err != nil {
		return err
	}
	// Views of one storage may add up to twice its size (a tied weight
	// saved under two names), not more: overlapping views could
	// otherwise turn a tiny file into an enormous allocation.
	total := 0
	for _, e := range v.entries {
		t := e.value.(*torchTensor)
		n, _ := checkedNumel(t.size)
		if total += n; total > 2*st.numel {
			return malformed(file, "views of storage %q address %d elements, more than twice the %d it holds", st.key, total, st.numel)
		}
		tf.Tensors[e.name] = Tensor{Shape: t.size, Data: gatherF32(t, raw, ar.order)}
	}
	return nil
}

// readWholeF32 handles the common case, one contiguous little-endian F32
// tensor owning its whole storage, by reading straight into the result with
// no intermediate copy. It reports whether the case applied.
func (ar *torchArchive) readWholeF32(tf *TorchFile, rec *zip.File, v storageViews) (bool, error) {
	st := v.storage
	t := v.entries[0].value.(*torchTensor)
	if len(v.entries) != 1 || st.typ.dtype != "F32" || !hostLittleEndian ||
		ar.order != binary.ByteOrder(binary.LittleEndian) || t.offset != 0 || !isContiguous(t.size, t.stride) {
		return false, nil
	}
	n, _ := checkedNumel(t.size)
	if n != st.numel {
		return false, nil
	}
	data := make([]float32, n)
	if err := readRecordInto(rec, f32Bytes(data), ar.file); err != nil {
		return false, err
	}
	tf.Tensors[v.entries[0].name] = Tensor{Shape: t.size, Data: data}
	return true, nil
}

type stateEntry struct {
	name  string
	value any
}

// stateDictEntries flattens the unpickled root: an (Ordered)Dict of name →
// tensor, possibly wrapped as {"state_dict": …} or {"model": …}.
func stateDictEntries(root any) ([]stateEntry, error) {
	var out []stateEntry
	add := func(k, v any) error {
		name, ok := k.(string)
		if !ok {
			return fmt.Errorf("state dict key %v is not a string", k)
		}
		out = append(out, stateEntry{name, v})
		return nil
	}
	switch d := root.(type) {
	case *types.OrderedDict:
		for el := d.List.Front(); el != nil; el = el.Next() {
			e := el.Value.(*types.OrderedDictEntry)
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	case *types.Dict:
		for _, e := range *d {
			if err := add(e.Key, e.Value); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("pickle holds %T, not a state dict", root)
	}
	if len(out) == 1 && (out[0].name == "state_dict" || out[0].name == "model") {
		if _, isTensor := out[0].value.(*torchTensor); !isTensor {
			return stateDictEntries(out[0].value)
		}
	}
	return out, nil
}

// checkView verifies that every element the view addresses lies inside the
// storage, with overflow-safe arithmetic.
func checkView(t *torchTensor) error {
	n, err := checkedNumel(t.size)
	if err != nil {
		return err
	}
	// Overlapping views (stride 0, expand) could make a tiny storage claim
	// terabytes of output; real state dicts never save them.
	if n > t.storage.numel {
		return fmt.Errorf("view of %d elements (size %v, stride %v) is larger than its %d-element storage", n, t.size, t.stride, t.storage.numel)
	}
	last := t.offset
	for i, n := range t.size {
		if n == 0 {
			return nil // empty: addresses nothing
		}
		if t.stride[i] != 0 && n-1 > (math.MaxInt-last)/t.stride[i] {
			return fmt.Errorf("size %v with stride %v overflows", t.size, t.stride)
		}
		last += (n - 1) * t.stride[i]
	}
	if last >= t.storage.numel {
		return fmt.Errorf("view (offset %d, size %v, stride %v) reaches element %d of a %d-element storage",
			t.offset, t.size, t.stride, last, t.storage.numel)
	}
	return nil
}

// gatherF32 copies a (possibly strided) view out of raw storage bytes into a
// row-major float32 slice.
func gatherF32(t *torchTensor, raw []byte, order binary.ByteOrder) []float32 {
	n, _ := checkedNumel(t.size)
	out := make([]float32, n)
	if n == 0 {
		return out
	}
	es := t.storage.typ.size
	conv := elemConverter(t.storage.typ.dtype, order)
	if isContiguous(t.size, t.stride) {
		src := raw[t.offset*es : (t.offset+n)*es]
		if t.storage.typ.dtype == "F32" && hostLittleEndian && order == binary.ByteOrder(binary.LittleEndian) {
			copy(f32Bytes(out), src)
			return out
		}
		for i := range out {
			out[i] = conv(src[i*es:])
		}
		return out
	}
	rank := len(t.size)
	idx := make([]int, rank)
	pos := t.offset
	for i := range out {
		out[i] = conv(raw[pos*es:])
		// Odometer increment over the index, updating the storage position.
		for d := rank - 1; d >= 0; d-- {
			idx[d]++
			pos += t.stride[d]
			if idx[d] < t.size[d] {
				break
			}
			pos -= idx[d] * t.stride[d]
			idx[d] = 0
		}
	}
	return out
}

func isContiguous(size, stride []int) bool {
	want := 1
	for d := len(size) - 1; d >= 0; d-- {
		if size[d] != 1 && stride[d] != want {
			return false
		}
		want *= size[d]
	}
	return true
}

func elemConverter(dtype string, order binary.ByteOrder) func([]byte) float32 {
	switch dtype {
	case "F32":
		return func(b []byte) float32 { return math.Float32frombits(order.Uint32(b)) }
	case "F64":
		return func(b []byte) float32 { return float32(math.Float64frombits(order.Uint64(b))) }
	case "F16":
		return func(b []byte) float32 { return F16ToF32(order.Uint16(b)) }
	case "BF16":
		return func(b []byte) float32 { return math.Float32frombits(uint32(order.Uint16(b)) << 16) }
	}
	panic("checkpoint: no converter for " + dtype)
}

// readRecord reads a whole zip record of at most limit bytes, refusing
// records whose declared size the archive cannot back.
func readRecord(f *zip.File, limit int64, file string) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, malformed(file, "record %s is %d bytes, over the %d-byte limit", f.Name, f.UncompressedSize64, limit)
	}
	// Deflate cannot expand more than ~1032×; a larger claim is a lie.
	if f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64 ||
		f.UncompressedSize64 > 1100*f.CompressedSize64+64 {
		return nil, malformed(file, "record %s declares %d bytes from %d compressed", f.Name, f.UncompressedSize64, f.CompressedSize64)
	}
	buf := make([]byte, f.UncompressedSize64)
	if err := readRecordInto(f, buf, file); err != nil {
		return nil, err
	}
	return buf, nil
}

// readRecordInto reads a record whose size is exactly len(buf).
func readRecordInto(f *zip.File, buf []byte, file string) error {
	if f.UncompressedSize64 != uint64(len(buf)) {
		return malformed(file, "record %s holds %d bytes, want %d", f.Name, f.UncompressedSize64, len(buf))
	}
	rc, err := f.Open()
	if err != nil {
		return malformed(file, "record %s: %v", f.Name, err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, buf); err != nil {
		return malformed(file, "record %s: %v", f.Name, err)
	}
	// Reading to EOF makes archive/zip verify the CRC.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		return malformed(file, "record %s: corrupt (%v)", f.Name, err)
	}
	return nil
}

// scanPickle walks the opcode stream once before gopickle interprets it,
// checking that every length argument fits in the remaining bytes (gopickle
// allocates a claimed length before reading it) and that every GLOBAL/INST
// names an allowed global.
func scanPickle(p []byte) error {
	pos := 0
	need := func(n uint64) error {
		if n > uint64(len(p)-pos) {
			return fmt.Errorf("opcode at byte %d claims %d bytes, only %d remain", pos, n, len(p)-pos)
		}
		return nil
	}
	line := func() (string, error) {
		i := bytes.IndexByte(p[pos:], '\n')
		if i < 0 {
			return "", fmt.Errorf("unterminated line at byte %d", pos)
		}
		s := string(p[pos : pos+i])
		pos += i + 1
		return s, nil
	}
	// Each open MARK costs gopickle a fresh stack slice; bound how many can
	// be open at once (a state dict nests a handful deep).
	const maxMarkDepth = 10000
	depth := 0
	for pos < len(p) {
		op := p[pos]
		pos++
		switch op {
		case '(':
			if depth++; depth > maxMarkDepth {
				return fmt.Errorf("more than %d nested MARKs at byte %d", maxMarkDepth, pos-1)
			}
		case 't', 'l', 'd', 'u', 'e', '1', 'o', 'i', 0x90, 0x91:
			if depth > 0 {
				depth--
			}
		}
		var fixed uint64
		switch op {
		case '.': // STOP
			return nil
		case '(', '0', '1', '2', 'N', 0x88, 0x89, 'R', 'b', '}', ']', ')', 'a', 'e', 'd', 'l', 't',
			0x85, 0x86, 0x87, 's', 'u', 'Q', 'o', 0x81, 0x92, 0x8f, 0x90, 0x91, 0x93, 0x94, 0x97, 0x98:
			continue
		case 'K', 'h', 'q', 0x80, 0x82:
			fixed = 1
		case 'M', 0x83:
			fixed = 2
		case 'J', 'j', 'r', 0x84:
			fixed = 4
		case 'G':
			fixed = 8
		case 0x95: // FRAME: gopickle allocates the declared frame size
			if err := need(8); err != nil {
				return err
			}
			n := binary.LittleEndian.Uint64(p[pos:])
			pos += 8
			if err := need(n); err != nil {
				return err
			}
			continue
		case 'U', 'C', 0x8c, 0x8a: // 1-byte length
			if err := need(1); err != nil {
				return err
			}
			fixed = uint64(p[pos])
			if op == 0x8a && fixed == 0 {
				return fmt.Errorf("LONG1 with no bytes at byte %d", pos-1)
			}
			pos++
		case 'T', 'B', 'X', 0x8b: // 4-byte length
			if err := need(4); err != nil {
				return err
			}
			fixed = uint64(binary.LittleEndian.Uint32(p[pos:]))
			if op == 0x8b && (fixed == 0 || fixed >= 1<<31) {
				return fmt.Errorf("bad LONG4 length at byte %d", pos-1)
			}
			pos += 4
		case 0x8d, 0x8e, 0x96: // 8-byte length
			if err := need(8); err != nil {
				return err
			}
			fixed = binary.LittleEndian.Uint64(p[pos:])
			pos += 8
		case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p':
			s, err := line()
			if err != nil {
				return err
			}
			if (op == 'L') && len(strings.TrimSuffix(s, "L")) == 0 {
				return fmt.Errorf("empty LONG at byte %d", pos)
			}
			continue
		case 'c', 'i':
			mod, err := line()
			if err != nil {
				return err
			}
			name, err := line()
			if err != nil {
				return err
			}
			if _, err := allowedGlobal(mod, name); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("unknown opcode 0x%02x at byte %d", op, pos-1)
		}
		if err := need(fixed); err != nil {
			return err
		}
		pos += int(fixed)
	}
	return errors.New("pickle ends without STOP")
}
