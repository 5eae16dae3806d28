package serve_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nerkit/nerkit/serve"
	"github.com/nerkit/nerkit/serve/servetest"
)

// findChromium returns $NERKIT_CHROMIUM or the first Chromium-like browser
// on PATH, or "".
func findChromium() string {
	if p := os.Getenv("NERKIT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is where test artifacts go: $NERKIT_ARTIFACTS, else the
// git-ignored serve/testdata/artifacts.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("NERKIT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type shownEntity struct {
	Text  string `json:"text"`
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Title string `json:"title"`
}

// TestBrowserPage drives the embedded page in headless Chromium: it types a
// text with Cyrillic and emoji (astral code points, which JS counts as two
// UTF-16 units), submits it and checks that the highlighted spans and the
// table equal the API's answer for the same text.
func TestBrowserPage(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		t.Skip("no Chromium found (install Debian's chromium package or set NERKIT_CHROMIUM); skipping the browser test")
	}
	s := newServer(t, &servetest.Fake{}, func(o *serve.Options) { o.MaxChars = 200 })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srvCtx, stopServer := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(srvCtx, ln) }()
	defer func() {
		stopServer()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	// The defaults already hold --headless, --no-first-run,
	// --disable-background-networking and --disable-sync; the rest keeps a
	// browser on a closed network from reaching out.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1000, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(ctx, 25*time.Second)
	defer cancel()

	// Any uncaught exception or console error (a CSP violation, a failed
	// load) fails the test.
	consoleCtx, stopConsole := context.WithCancel(ctx)
	var pageErrors []string
	var consoleDone sync.WaitGroup
	messages := chromedp.Console(consoleCtx)
	consoleDone.Add(1)
	go func() {
		defer consoleDone.Done()
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				pageErrors = append(pageErrors, m.String())
			}
		}
	}()

	// No "Ё": chromedp's key map uses U+0401 for the Clear key. 👍🏽 is two
	// code points (four UTF-16 units).
	const text = "Анна Каренина 🙂 met Tim Cook in Paris.\nNATO 🚀 и ООН в Москве, Жанна Иванова 👍🏽 тоже."
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("text")),
	); err != nil {
		t.Fatalf("browser: %v", err)
	}
	mustRun(t, ctx, chromedp.Poll[bool](`document.querySelector('#model-info').textContent.startsWith('Model ')`,
		chromedp.WithPollingTimeout(10*time.Second)))
	modelInfo := mustRun(t, ctx, chromedp.Text(chromedp.ID("model-info")))
	if err := chromedp.Do(ctx,
		chromedp.Clear(chromedp.ID("text")),
		chromedp.SendKeys(chromedp.ID("text"), text),
	); err != nil {
		t.Fatalf("typing: %v", err)
	}
	typed := mustRun(t, ctx, chromedp.Value(chromedp.ID("text")))
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"]`)),
	); err != nil {
		t.Fatalf("submitting: %v", err)
	}
	marks := mustRun(t, ctx, chromedp.Evaluate[[]shownEntity](`Array.from(document.querySelectorAll('#highlighted mark')).map(m =>
		({text: m.textContent, type: m.dataset.type, start: +m.dataset.start, end: +m.dataset.end, title: m.title}))`))
	shownText := mustRun(t, ctx, chromedp.Evaluate[string](`document.querySelector('#highlighted').textContent`))
	rows := mustRun(t, ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('#entity-table tbody tr')).map(r =>
		Array.from(r.cells).map(c => c.textContent))`))
	legend := mustRun(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#legend li')).map(li => li.textContent)`))
	png := mustRun(t, ctx, chromedp.FullScreenshot(100)) // quality 100 gives PNG

	shot := filepath.Join(artifactDir(t), "serve-page.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)

	if typed != text {
		t.Fatalf("the textarea holds %q, want %q", typed, text)
	}
	if !strings.Contains(modelInfo, "fake") || !strings.Contains(modelInfo, "2 layers") {
		t.Errorf("model info %q", modelInfo)
	}
	if shownText != text {
		t.Errorf("highlighted text %q differs from the input %q", shownText, text)
	}

	code, raw := postNER(t, base, `{"text":`+jsonString(text)+`}`)
	if code != 200 {
		t.Fatalf("API: %d %s", code, raw)
	}
	want := decodeResponse(t, raw).Results[0].Entities
	if len(want) < 5 {
		t.Fatalf("the fake found only %d entities; the test needs more: %+v", len(want), want)
	}
	if len(marks) != len(want) || len(rows) != len(want) {
		t.Fatalf("page shows %d marks and %d rows, API gives %d entities:\n%+v\n%+v", len(marks), len(rows), len(want), marks, want)
	}
	for i, e := range want {
		m := marks[i]
		if m.Text != e.Text || m.Type != e.Type || m.Start != e.Start || m.End != e.End {
			t.Errorf("mark %d = %q %s [%d,%d), API %q %s [%d,%d)", i, m.Text, m.Type, m.Start, m.End, e.Text, e.Type, e.Start, e.End)
		}
		if !strings.Contains(m.Title, fmt.Sprintf("%.3f", e.Score)) {
			t.Errorf("mark %d title %q lacks the score %.3f", i, m.Title, e.Score)
		}
		wantRow := []string{e.Text, e.Type, fmt.Sprint(e.Start), fmt.Sprint(e.End), fmt.Sprintf("%.3f", e.Score)}
		if strings.Join(rows[i], "|") != strings.Join(wantRow, "|") {
			t.Errorf("table row %d = %q, want %q", i, rows[i], wantRow)
		}
	}
	if strings.Join(legend, ",") != "PER,ORG,LOC" {
		t.Errorf("legend %q", legend)
	}

	// An empty text gives an empty table; a text over --max-chars shows the
	// API's error message.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#text').value = ''`),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="done"] td.empty`)),
		chromedp.SetValue(chromedp.ID("text"), strings.Repeat("я", 201)),
		chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.CSS(`#results[data-state="error"]`)),
	); err != nil {
		t.Fatalf("empty and long texts: %v", err)
	}
	if status := mustRun(t, ctx, chromedp.Text(chromedp.ID("status"))); !strings.Contains(status, "text_too_long") || !strings.Contains(status, "201 characters") {
		t.Errorf("status after a too long text: %q", status)
	}
	stopConsole()
	consoleDone.Wait()
	for _, e := range pageErrors {
		if strings.Contains(e, "status of 413") {
			continue // the browser logs the failed load of the deliberate 413
		}
		t.Errorf("page error: %s", e)
	}
}

// mustRun runs one browser action and fails the test on error.
func mustRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}
