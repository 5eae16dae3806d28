package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
)

// TestServeMatchesPredict runs `nerkit serve` on a trained model and checks
// that the API answers exactly what `nerkit predict` prints for the same text.
func TestServeMatchesPredict(t *testing.T) {
	data := smallData(t, 60, 10)
	out := filepath.Join(t.TempDir(), "run")
	mustRun(t, trainArgs(data, out, "--epochs", "3")...)
	model := filepath.Join(out, "model")
	text := "Путин прилетел в Москву, а Медведев — в Санкт-Петербург."

	var predicted struct {
		Entities []map[string]any `json:"entities"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "predict", "--model", model, "--aggregation", "average", text)), &predicted); err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := exec.Command(nerkitBin, "serve", "--model", model, "--addr", addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Signal(syscall.SIGTERM)
		srv.Wait()
	}()
	url := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/readyz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	body, _ := json.Marshal(map[string]any{"text": text, "aggregation": "average"})
	resp, err := http.Post(url+"/v1/ner", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	var got struct {
		Results []struct {
			Entities []map[string]any `json:"entities"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got.Results) != 1 {
		t.Fatalf("%d results", len(got.Results))
	}
	if !reflect.DeepEqual(normalise(got.Results[0].Entities), normalise(predicted.Entities)) {
		t.Fatalf("serve %v\npredict %v", got.Results[0].Entities, predicted.Entities)
	}

	// Word by word, tags and scores of pre-split input agree with predict's
	// CoNLL path (scores are non-trivial even where every tag is O).
	words := []string{"Путин", "прилетел", "в", "Москву", "."}
	conllIn := filepath.Join(t.TempDir(), "in.conll")
	var buf bytes.Buffer
	for _, w := range words {
		buf.WriteString(w + "\n")
	}
	os.WriteFile(conllIn, buf.Bytes(), 0o644)
	var pj struct {
		Tags   []string  `json:"tags"`
		Scores []float32 `json:"scores"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "predict", "--model", model, "--input", conllIn, "--conll", "--format", "jsonl")), &pj); err != nil {
		t.Fatal(err)
	}
	body, _ = json.Marshal(map[string]any{"words": [][]string{words}, "details": true})
	resp2, err := http.Post(url+"/v1/ner", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	var gw struct {
		Results []struct {
			Words []struct {
				Tag   string  `json:"tag"`
				Score float32 `json:"score"`
			} `json:"words"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp2.Body).Decode(&gw); err != nil || len(gw.Results) != 1 || len(gw.Results[0].Words) != len(words) {
		t.Fatalf("details answer %+v, %v", gw, err)
	}
	for i, w := range gw.Results[0].Words {
		if w.Tag != pj.Tags[i] || w.Score != pj.Scores[i] || w.Score <= 0 {
			t.Fatalf("word %d: serve %s %v, predict %s %v", i, w.Tag, w.Score, pj.Tags[i], pj.Scores[i])
		}
	}
}

// normalise makes entity maps comparable (nil vs empty, number formatting).
func normalise(ents []map[string]any) []string {
	out := []string{}
	for _, e := range ents {
		b, _ := json.Marshal(e)
		out = append(out, string(b))
	}
	return out
}
