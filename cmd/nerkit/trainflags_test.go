package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nerkit/nerkit/train"
)

// Every setting of a run has exactly one flag in the table, and copying a
// flag moves exactly its own field.
func TestEveryConfigFieldHasOneFlag(t *testing.T) {
	typ := reflect.TypeFor[train.Config]()
	covered := map[string]string{}
	for _, tf := range trainFlags {
		src := train.Defaults()
		cmd, o := newTrainCmd()
		o.flagged = src
		// A value unlike the default for each kind of flag.
		f := cmd.Flags().Lookup(tf.name)
		if f == nil {
			t.Fatalf("--%s is in the table but not registered", tf.name)
		}
		value := map[string]string{"string": "x-value", "int": "7", "int64": "7", "float64": "0.25", "float": "0.25", "bool": "true", "scheme": "bioes"}[f.Value.Type()]
		if err := cmd.Flags().Set(tf.name, value); err != nil {
			t.Fatalf("--%s %s: %v", tf.name, value, err)
		}
		dst := train.Config{}
		tf.copy(&dst, &o.flagged)
		var changed []string
		for i := range typ.NumField() {
			if !reflect.ValueOf(dst).Field(i).IsZero() {
				changed = append(changed, typ.Field(i).Name)
			}
		}
		if len(changed) != 1 {
			t.Fatalf("--%s copies fields %v, want exactly one", tf.name, changed)
		}
		if field, _ := typ.FieldByName(changed[0]); flagName(strings.Split(field.Tag.Get("yaml"), ",")[0]) != tf.name {
			t.Errorf("--%s sets %s, whose config.yaml key %q names another flag", tf.name, changed[0], field.Tag.Get("yaml"))
		}
		if prev, dup := covered[changed[0]]; dup {
			t.Fatalf("--%s and --%s both set %s", prev, tf.name, changed[0])
		}
		covered[changed[0]] = tf.name
	}
	for i := range typ.NumField() {
		if _, ok := covered[typ.Field(i).Name]; !ok {
			t.Errorf("Config.%s has no flag", typ.Field(i).Name)
		}
	}
}

// A flag the user set outranks --config, which outranks the preset, which
// outranks the defaults.
func TestFlagsOutrankConfigAndPreset(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(cfgFile, []byte("model: scratch:tiny\ntrain: t.txt\nlr: 0.5\nepochs: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, o := newTrainCmd()
	cmd.SetErr(&strings.Builder{})
	if err := cmd.ParseFlags([]string{"--config", cfgFile, "--lr", "0.25", "--scheme", "iob1", "--dropout", "0.3"}); err != nil {
		t.Fatal(err)
	}
	cfg, err := resolveConfig(cmd, o)
	if err != nil {
		t.Fatal(err)
	}
	tiny := train.Presets["tiny"]
	switch {
	case cfg.LR != 0.25:
		t.Errorf("lr %v: the flag should outrank the config file and the preset", cfg.LR)
	case cfg.Epochs != 2:
		t.Errorf("epochs %v: the config file should outrank the preset's %v", cfg.Epochs, tiny.Epochs)
	case cfg.MaxLength != tiny.MaxLength || !cfg.GroupByLength:
		t.Errorf("max length %d, group by length %v: the preset should outrank the defaults", cfg.MaxLength, cfg.GroupByLength)
	case cfg.Scheme != "IOB1" || cfg.Dropout == nil || *cfg.Dropout != 0.3:
		t.Errorf("scheme %q, dropout %v", cfg.Scheme, cfg.Dropout)
	case cfg.Train != "t.txt" || cfg.BatchSize != train.Defaults().BatchSize:
		t.Errorf("train %q, batch size %d", cfg.Train, cfg.BatchSize)
	}
}
