// Package record writes the JSON lines of nerkit-beam predict: exactly the
// objects `nerkit predict` writes, with the input's "id" put first.
package record

import (
	"bytes"
	"encoding/json"

	"github.com/nerkit/nerkit/beam/internal/nerkitapi"
)

// Text is the record of a raw text: {"id","text","entities"}, as `nerkit
// predict` writes {"text","entities"}.
func Text(id, text string, ents []nerkitapi.Entity) (string, error) {
	if ents == nil {
		ents = []nerkitapi.Entity{}
	}
	return withID(id, struct {
		Text     string             `json:"text"`
		Entities []nerkitapi.Entity `json:"entities"`
	}{text, ents})
}

// Words is the record of a pre-split sentence: {"id","words","tags",
// "scores"[,"probs"]}, as `nerkit predict --format jsonl` writes for CoNLL
// input.
func Words(id string, words []string, tagged []nerkitapi.PredictedTag, withProbs bool) (string, error) {
	tags := make([]string, len(tagged))
	scores := make([]*float32, len(tagged))
	var probs [][]float32
	for j, w := range tagged {
		tags[j] = w.Tag
		scores[j] = w.Score
		if withProbs {
			probs = append(probs, w.Probs)
		}
	}
	return withID(id, struct {
		Words  []string    `json:"words"`
		Tags   []string    `json:"tags"`
		Scores []*float32  `json:"scores"`
		Probs  [][]float32 `json:"probs,omitempty"`
	}{words, tags, scores, probs})
}

// withID encodes v as `nerkit predict` does (no HTML escaping) and puts
// "id":id (already JSON) in front of its fields. The result has no newline.
func withID(id string, v any) (string, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"id":`)
	buf.WriteString(id)
	buf.WriteByte(',')
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	n := buf.Len()
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	b := buf.Bytes()
	// Drop the encoded object's own '{' and the encoder's newline.
	copy(b[n:], b[n+1:])
	return string(b[:len(b)-2]), nil
}

// StripID undoes withID: the line `nerkit predict` writes for a record, and
// the record's id (JSON). ok is false for a line that does not start with an
// "id" field.
func StripID(line string) (rest, id string, ok bool) {
	const head = `{"id":`
	if len(line) < len(head) || line[:len(head)] != head {
		return "", "", false
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(line[len(head):])))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return "", "", false
	}
	end := len(head) + int(dec.InputOffset())
	if end >= len(line) || line[end] != ',' {
		return "", "", false
	}
	return "{" + line[end+1:], string(raw), true
}
