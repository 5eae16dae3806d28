package train

import (
	"strings"
	"testing"
)

func TestFamilyConfig(t *testing.T) {
	p := Presets["tiny"]
	if c, err := p.FamilyConfig("", 100, 0); err != nil || c.ModelType != "bert" || c.MaxPositionEmbeddings != 512 {
		t.Fatalf("default: %+v %v", c, err)
	}
	c, err := p.FamilyConfig("roberta", 100, 1)
	if err != nil || c.ModelType != "roberta" || c.Architectures[0] != "RobertaForTokenClassification" || c.PadTokenID != 1 || c.MaxPositionEmbeddings != 514 || c.TypeVocabSize != 1 {
		t.Fatalf("roberta: %+v %v", c, err)
	}
	c.SetLabels([]string{"O"})
	if err := c.Validate(); err != nil || c.MaxSequenceLength() != 512 {
		t.Fatalf("roberta config: %v, %d positions", err, c.MaxSequenceLength())
	}
	if _, err := p.FamilyConfig("gpt2", 100, 0); err == nil || !strings.Contains(err.Error(), "supported: bert") {
		t.Fatalf("gpt2: %v", err)
	}
}

func TestFamilyOnlyForScratch(t *testing.T) {
	c := Defaults()
	c.Model, c.Train, c.Family = "some/model", "train.txt", "roberta"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "family") {
		t.Fatalf("err = %v", err)
	}
}
