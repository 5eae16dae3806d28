package report

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// syntheticRun imitates a fine-tuning run: noisy, decaying step loss and a
// dev loss that bottoms out and then rises (overfitting).
func syntheticRun(nEpochs, stepsPerEpoch int, withDev bool) ([]StepLoss, []EpochLoss) {
	rng := rand.New(rand.NewPCG(1, 2))
	var steps []StepLoss
	var epochs []EpochLoss
	for e := 1; e <= nEpochs; e++ {
		sum := 0.0
		for i := 1; i <= stepsPerEpoch; i++ {
			step := (e-1)*stepsPerEpoch + i
			x := float64(step) / float64(stepsPerEpoch)
			loss := 0.05 + 2.2*math.Exp(-3*x) + 0.08*rng.NormFloat64()*math.Exp(-x/2)
			loss = math.Abs(loss)
			steps = append(steps, StepLoss{Step: step, Loss: loss})
			sum += loss
		}
		dev := math.NaN()
		if withDev {
			x := float64(e)
			dev = 0.12 + 1.5*math.Exp(-2*x) + 0.012*x
		}
		epochs = append(epochs, EpochLoss{Epoch: e, Train: sum / float64(stepsPerEpoch), Dev: dev})
	}
	return steps, epochs
}

func TestLossPlotFiles(t *testing.T) {
	dir := outDir(t)
	steps, epochs := syntheticRun(6, 400, true)
	if err := WriteLossPlots(dir, steps, epochs, 400); err != nil {
		t.Fatal(err)
	}
	w, h := pngPixels(lossFigWidth, lossFigHeight)
	checkPNG(t, filepath.Join(dir, "loss.png"), w, h)
	texts := checkSVG(t, filepath.Join(dir, "loss.svg"))
	for _, want := range []string{"Training and validation loss", "dev loss per epoch", "train loss, epoch mean", "EMA span", "lowest dev loss", "epoch (400 steps per epoch)"} {
		if !containsText(texts, want) {
			t.Errorf("loss.svg lacks %q; texts: %q", want, texts)
		}
	}
	noTempFiles(t, dir)
}

func TestLossPlotEdgeCases(t *testing.T) {
	nan := math.NaN()
	cases := map[string]struct {
		steps         []StepLoss
		epochs        []EpochLoss
		stepsPerEpoch int
	}{
		"no data":             {nil, nil, 0},
		"no steps":            {nil, []EpochLoss{{1, 0.5, 0.6}, {2, 0.3, 0.4}}, 0},
		"one epoch":           {[]StepLoss{{1, 2}, {2, 1.5}, {3, 1.2}}, []EpochLoss{{1, 1.56, 1.3}}, 3},
		"one step":            {[]StepLoss{{1, 2}}, nil, 0},
		"no dev":              {[]StepLoss{{1, 2}, {2, 1}}, []EpochLoss{{1, 1.5, nan}}, 2},
		"all NaN":             {[]StepLoss{{1, nan}, {2, math.Inf(1)}}, []EpochLoss{{1, nan, nan}}, 2},
		"unknown steps/epoch": {[]StepLoss{{1, 2}, {2, 1}, {3, 0.5}, {4, 0.4}}, []EpochLoss{{1, 1.5, 1}, {2, 0.45, 0.9}}, 0},
		"zero loss":           {[]StepLoss{{1, 2}, {2, 0}, {3, 0.01}}, []EpochLoss{{1, 0.6, 0.001}}, 3},
	}
	root := outDir(t)
	for name, c := range cases {
		dir := filepath.Join(root, "loss-"+strings.ReplaceAll(strings.ReplaceAll(name, " ", "-"), "/", "-per-"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteLossPlots(dir, c.steps, c.epochs, c.stepsPerEpoch); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		w, h := pngPixels(lossFigWidth, lossFigHeight)
		checkPNG(t, filepath.Join(dir, "loss.png"), w, h)
		texts := checkSVG(t, filepath.Join(dir, "loss.svg"))
		if name == "no data" && !containsText(texts, "no loss recorded") {
			t.Errorf("%s: the title should say so", name)
		}
		if name == "no dev" && containsText(texts, "dev loss") {
			t.Errorf("%s: dev loss in legend without dev data", name)
		}
	}
}

func TestLossSeriesAxis(t *testing.T) {
	steps, epochs := syntheticRun(6, 400, true)
	ls := collectLossSeries(steps, epochs, 400)
	if !ls.logY {
		t.Error("a loss falling by two decades should get a log axis")
	}
	if ls.bestDev < 0 || ls.dev[ls.bestDev].X != 3 {
		t.Errorf("best dev epoch = %v, want 3", ls.dev[ls.bestDev].X)
	}
	if ls.lastX != 6 {
		t.Errorf("x axis ends at %v, want 6 epochs", ls.lastX)
	}
	flat := collectLossSeries([]StepLoss{{1, 0.5}, {2, 0.4}, {3, 0.45}}, nil, 0)
	if flat.logY || flat.axis.inEpochs {
		t.Errorf("a short flat run without epochs: log=%v, epochs=%v; want linear, steps", flat.logY, flat.axis.inEpochs)
	}
	inferred := collectLossSeries([]StepLoss{{100, 1}, {200, 0.5}}, []EpochLoss{{1, 1, nan()}, {2, 0.5, nan()}}, 0)
	if !inferred.axis.inEpochs || inferred.axis.stepsPerEpoch != 100 {
		t.Errorf("inferred axis = %+v, want epochs of 100 steps", inferred.axis)
	}
}

func nan() float64 { return math.NaN() }

func TestSmoothEMA(t *testing.T) {
	got := smoothEMA([]float64{3, 3, 3, 3}, 10)
	for i, v := range got {
		if math.Abs(v-3) > 1e-12 {
			t.Errorf("EMA of a constant at %d = %v, want 3 (bias correction)", i, v)
		}
	}
	// span 3: weight 0.5 on the newest value.
	got = smoothEMA([]float64{0, 4}, 3)
	if want := (0.5 * 4) / 0.75; math.Abs(got[1]-want) > 1e-12 {
		t.Errorf("EMA = %v, want %v", got[1], want)
	}
}

func TestEnvelopeKeepsSpikes(t *testing.T) {
	var xys plotter.XYs
	for i := range 50000 {
		xys = append(xys, plotter.XY{X: float64(i), Y: 1})
	}
	xys[31337].Y = 9
	xys[4242].Y = -9
	out := envelope(xys)
	if len(out) > maxDrawnPoints {
		t.Errorf("%d points drawn, want at most %d", len(out), maxDrawnPoints)
	}
	hi, lo := false, false
	for i, p := range out {
		hi = hi || p.Y == 9
		lo = lo || p.Y == -9
		if i > 0 && p.X < out[i-1].X {
			t.Fatal("envelope must keep x order")
		}
	}
	if !hi || !lo {
		t.Error("envelope lost a spike")
	}
}

func BenchmarkLossPlotPNG50kSteps(b *testing.B) {
	steps, epochs := syntheticRun(10, 5000, true)
	path := filepath.Join(b.TempDir(), "loss.png")
	for b.Loop() {
		if err := LossPlot(path, steps, epochs, 5000); err != nil {
			b.Fatal(err)
		}
	}
}
