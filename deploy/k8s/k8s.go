// Package k8s holds the Kubernetes manifests that run nerkit serve as
// replicas behind a Service (Deployment, Service, HorizontalPodAutoscaler,
// PodDisruptionBudget) and decodes them strictly into the upstream API
// types, so a misspelt or misplaced field is an error here rather than
// something `kubectl apply` drops without a word.
package k8s

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

//go:embed *.yaml
var files embed.FS

// Manifests are the objects of deploy/k8s, one per file.
type Manifests struct {
	Deployment *appsv1.Deployment
	Service    *corev1.Service
	HPA        *autoscalingv2.HorizontalPodAutoscaler
	PDB        *policyv1.PodDisruptionBudget
}

// Load decodes the embedded manifests.
func Load() (*Manifests, error) { return LoadFS(files) }

// LoadFS decodes every *.yaml file of fsys. Each must hold exactly one
// object of a kind listed in Manifests, every field known to its type
// (unknown and duplicate fields are errors), and each kind must appear
// once.
func LoadFS(fsys fs.FS) (*Manifests, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	m := &Manifests{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := m.decode(name, data); err != nil {
			return nil, err
		}
	}
	for kind, missing := range map[string]bool{
		"Deployment": m.Deployment == nil, "Service": m.Service == nil,
		"HorizontalPodAutoscaler": m.HPA == nil, "PodDisruptionBudget": m.PDB == nil,
	} {
		if missing {
			return nil, fmt.Errorf("no %s manifest", kind)
		}
	}
	return m, nil
}

// decode reads one file: its apiVersion and kind pick the type, then the
// whole document is decoded strictly into it.
func (m *Manifests) decode(name string, data []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(data, &tm); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	var obj any
	var slot func()
	switch gvk := tm.APIVersion + " " + tm.Kind; gvk {
	case "apps/v1 Deployment":
		d := &appsv1.Deployment{}
		obj, slot = d, func() { m.Deployment = d }
		if m.Deployment != nil {
			return fmt.Errorf("%s: a second Deployment", name)
		}
	case "v1 Service":
		s := &corev1.Service{}
		obj, slot = s, func() { m.Service = s }
		if m.Service != nil {
			return fmt.Errorf("%s: a second Service", name)
		}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		h := &autoscalingv2.HorizontalPodAutoscaler{}
		obj, slot = h, func() { m.HPA = h }
		if m.HPA != nil {
			return fmt.Errorf("%s: a second HorizontalPodAutoscaler", name)
		}
	case "policy/v1 PodDisruptionBudget":
		p := &policyv1.PodDisruptionBudget{}
		obj, slot = p, func() { m.PDB = p }
		if m.PDB != nil {
			return fmt.Errorf("%s: a second PodDisruptionBudget", name)
		}
	default:
		return fmt.Errorf("%s: unexpected object %q", name, gvk)
	}
	if err := decodeStrict(data, obj); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	slot()
	return nil
}

// decodeStrict decodes a YAML document as the API server decodes a request
// with fieldValidation=Strict: YAML to JSON refusing duplicate keys, then
// JSON into the typed object with case-sensitive field names (encoding/json
// would take "Replicas" for "replicas"), refusing unknown fields.
func decodeStrict(data []byte, obj any) error {
	if bytes.Contains(append([]byte("\n"), data...), []byte("\n---")) {
		return errors.New("one object per file, without --- separators")
	}
	j, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(j, obj)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// Server returns the Deployment's nerkit container.
func (m *Manifests) Server() (*corev1.Container, error) {
	for i := range m.Deployment.Spec.Template.Spec.Containers {
		if c := &m.Deployment.Spec.Template.Spec.Containers[i]; c.Name == "nerkit" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("deployment %s has no container named nerkit", m.Deployment.Name)
}
