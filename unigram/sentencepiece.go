package unigram

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// spModel is the part of SentencePiece's ModelProto (sentencepiece_model.proto)
// the conversion needs.
type spModel struct {
	pieces       []spPiece
	modelType    int // TrainerSpec.model_type: 1 UNIGRAM (the default), 2 BPE, 3 WORD, 4 CHAR
	byteFallback bool
	charsmap     []byte // NormalizerSpec.precompiled_charsmap
}

type spPiece struct {
	piece string
	score float32
}

// parseSentencePiece reads a serialized ModelProto.
func parseSentencePiece(b []byte) (*spModel, error) {
	m := &spModel{modelType: 1}
	err := protoFields(b, func(field int, wire int, v uint64, data []byte) error {
		switch field {
		case 1: // pieces
			if wire != 2 {
				return errors.New("pieces is not a message")
			}
			var p spPiece
			err := protoFields(data, func(f, w int, v uint64, d []byte) error {
				switch {
				case f == 1 && w == 2:
					p.piece = string(d)
				case f == 2 && w == 5:
					p.score = math.Float32frombits(uint32(v))
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.pieces), err)
			}
			m.pieces = append(m.pieces, p)
		case 2: // trainer_spec
			if wire != 2 {
				return errors.New("trainer_spec is not a message")
			}
			return protoFields(data, func(f, w int, v uint64, d []byte) error {
				switch {
				case f == 3 && w == 0:
					m.modelType = int(v)
				case f == 35 && w == 0:
					m.byteFallback = v != 0
				}
				return nil
			})
		case 3: // normalizer_spec
			if wire != 2 {
				return errors.New("normalizer_spec is not a message")
			}
			return protoFields(data, func(f, w int, v uint64, d []byte) error {
				if f == 2 && w == 2 {
					m.charsmap = append([]byte(nil), d...)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(m.pieces) < 3 {
		return nil, fmt.Errorf("the model has %d pieces; XLM-R's layout needs <unk>, <s>, </s> first", len(m.pieces))
	}
	return m, nil
}

// protoFields calls fn for every field of a protobuf message: its number,
// wire type, and value (varint and fixed-width values in v, length-delimited
// ones in data).
func protoFields(b []byte, fn func(field, wire int, v uint64, data []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errors.New("truncated field key")
		}
		b = b[n:]
		field, wire := int(key>>3), int(key&7)
		var v uint64
		var data []byte
		switch wire {
		case 0:
			v, n = binary.Uvarint(b)
			if n <= 0 {
				return errors.New("truncated varint")
			}
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return errors.New("truncated 64-bit value")
			}
			v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			size, n := binary.Uvarint(b)
			if n <= 0 || size > uint64(len(b)-n) {
				return errors.New("truncated length-delimited value")
			}
			data, b = b[n:n+int(size)], b[n+int(size):]
		case 5:
			if len(b) < 4 {
				return errors.New("truncated 32-bit value")
			}
			v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			return fmt.Errorf("wire type %d is not supported", wire)
		}
		if err := fn(field, wire, v, data); err != nil {
			return err
		}
	}
	return nil
}

// xlmrTokenizerJSON is the tokenizer.json transformers' XLMRobertaConverter
// writes for a SentencePiece Unigram model: fairseq's ids (<s> <pad> </s>
// <unk>, then the pieces from the fourth on, shifted by one, then <mask>),
// Precompiled + Strip(right) + Replace(" {2,}" → ▁), Metaspace (always,
// split), "<s> $A </s>", the special tokens as added tokens (<mask> with
// lstrip).
func xlmrTokenizerJSON(m *spModel) ([]byte, error) {
	if m.modelType != 1 {
		return nil, fmt.Errorf("the SentencePiece model is of type %d, not Unigram (1)", m.modelType)
	}
	type added struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		LStrip     bool   `json:"lstrip"`
		RStrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	vocab := [][2]any{{"<s>", 0.0}, {"<pad>", 0.0}, {"</s>", 0.0}, {"<unk>", 0.0}}
	for _, p := range m.pieces[3:] {
		vocab = append(vocab, [2]any{p.piece, float64(p.score)})
	}
	mask := len(vocab)
	vocab = append(vocab, [2]any{"<mask>", 0.0})
	norms := []any{
		map[string]any{"type": "Strip", "strip_left": false, "strip_right": true},
		map[string]any{"type": "Replace", "pattern": map[string]string{"Regex": " {2,}"}, "content": "▁"},
	}
	if len(m.charsmap) > 0 {
		norms = append([]any{map[string]any{"type": "Precompiled", "precompiled_charsmap": base64.StdEncoding.EncodeToString(m.charsmap)}}, norms...)
	}
	special := func(id string, n int) any {
		return map[string]any{"SpecialToken": map[string]any{"id": id, "type_id": n}}
	}
	tj := map[string]any{
		"version":    "1.0",
		"truncation": nil,
		"padding":    nil,
		"added_tokens": []added{
			{ID: 0, Content: "<s>", Special: true}, {ID: 1, Content: "<pad>", Special: true},
			{ID: 2, Content: "</s>", Special: true}, {ID: 3, Content: "<unk>", Special: true},
			{ID: mask, Content: "<mask>", LStrip: true, Special: true},
		},
		"normalizer":    map[string]any{"type": "Sequence", "normalizers": norms},
		"pre_tokenizer": map[string]any{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
		"post_processor": map[string]any{
			"type":   "TemplateProcessing",
			"single": []any{special("<s>", 0), map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, special("</s>", 0)},
			"pair": []any{special("<s>", 0), map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}}, special("</s>", 0),
				special("</s>", 0), map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 0}}, special("</s>", 0)},
			"special_tokens": map[string]any{
				"<s>":  map[string]any{"id": "<s>", "ids": []int{0}, "tokens": []string{"<s>"}},
				"</s>": map[string]any{"id": "</s>", "ids": []int{2}, "tokens": []string{"</s>"}},
			},
		},
		"decoder": map[string]any{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
		"model":   map[string]any{"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": m.byteFallback},
	}
	return json.Marshal(tj)
}
