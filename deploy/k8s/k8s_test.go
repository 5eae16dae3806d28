package k8s

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/nerkit/nerkit/deploy/image"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
)

func load(t *testing.T) (*Manifests, *corev1.Container) {
	t.Helper()
	m, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := m.Server()
	if err != nil {
		t.Fatal(err)
	}
	return m, c
}

// flagValue returns the value of a `--name=value` or `--name value`
// argument, and whether it is there.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

func mustFlag(t *testing.T, c *corev1.Container, name string) string {
	t.Helper()
	v, ok := flagValue(c.Args, name)
	if !ok {
		t.Fatalf("container args %q lack %s", c.Args, name)
	}
	return v
}

func TestEachManifestDecodesStrictly(t *testing.T) {
	m, _ := load(t)
	for kind, meta := range map[string]metav1.ObjectMeta{
		"Deployment": m.Deployment.ObjectMeta, "Service": m.Service.ObjectMeta,
		"HorizontalPodAutoscaler": m.HPA.ObjectMeta, "PodDisruptionBudget": m.PDB.ObjectMeta,
	} {
		if errs := validation.IsDNS1123Label(meta.Name); len(errs) > 0 {
			t.Errorf("%s name %q: %v", kind, meta.Name, errs)
		}
		for k, v := range meta.Labels {
			if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
				t.Errorf("%s label %s=%s: %v", kind, k, v, errs)
			}
		}
	}
}

// TestStrictDecodingRefusesMistakes changes one thing in a copy of the
// manifests and expects Load to refuse it, naming the file.
func TestStrictDecodingRefusesMistakes(t *testing.T) {
	orig := fstest.MapFS{}
	names, _ := fs.Glob(files, "*.yaml")
	for _, n := range names {
		b, _ := fs.ReadFile(files, n)
		orig[n] = &fstest.MapFile{Data: b}
	}
	cases := []struct {
		name, file, old, new, want string
	}{
		{"misspelt field", "deployment.yaml", "readinessProbe:", "readinesProbe:", "unknown field"},
		{"field in the wrong case", "deployment.yaml", "replicas: 2", "Replicas: 2", "unknown field"},
		{"field in the wrong place", "service.yaml", "  type: ClusterIP", "  type: ClusterIP\n  containerPort: 80", "unknown field"},
		{"duplicate key", "pdb.yaml", "  maxUnavailable: 1", "  maxUnavailable: 1\n  maxUnavailable: 2", "already set"},
		{"wrong type", "hpa.yaml", "minReplicas: 2", "minReplicas: two", "minReplicas"},
		{"unknown kind", "pdb.yaml", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets", "unexpected object"},
		{"two objects in a file", "service.yaml", "apiVersion: v1", "apiVersion: v1\nkind: Service\n---\napiVersion: v1", "one object per file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, f := range orig {
				fsys[n] = f
			}
			data := string(orig[c.file].Data)
			if !strings.Contains(data, c.old) {
				t.Fatalf("%s has no %q to change", c.file, c.old)
			}
			fsys[c.file] = &fstest.MapFile{Data: []byte(strings.Replace(data, c.old, c.new, 1))}
			_, err := LoadFS(fsys)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.file) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, c.file, c.want)
			}
		})
	}
	delete(orig, "pdb.yaml")
	if _, err := LoadFS(orig); err == nil || !strings.Contains(err.Error(), "no PodDisruptionBudget") {
		t.Errorf("without pdb.yaml: %v", err)
	}
}

// TestContainerMatchesTheImage checks the container against what
// nerkit-image builds: port, model path, user.
func TestContainerMatchesTheImage(t *testing.T) {
	m, c := load(t)
	if len(c.Command) != 0 {
		t.Errorf("command %q replaces the image's entrypoint (nerkit serve); give args only", c.Command)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != image.DefaultPort || c.Ports[0].Protocol != corev1.ProtocolTCP {
		t.Fatalf("ports %+v, want one TCP port named http on %d", c.Ports, image.DefaultPort)
	}
	if addr := mustFlag(t, c, "--addr"); addr != ":"+strconv.Itoa(int(c.Ports[0].ContainerPort)) {
		t.Errorf("--addr %s does not listen on every interface at the container port %d", addr, c.Ports[0].ContainerPort)
	}
	if model := mustFlag(t, c, "--model"); model != image.ModelPath {
		t.Errorf("--model %s, but the image holds (or mounts) the model at %s", model, image.ModelPath)
	}
	pod := m.Deployment.Spec.Template.Spec
	if ann := m.Deployment.Spec.Template.Annotations["prometheus.io/port"]; ann != strconv.Itoa(image.DefaultPort) {
		t.Errorf("prometheus.io/port %q, want the server's port", ann)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != image.UID {
		t.Errorf("pod security context %+v: want runAsNonRoot and runAsUser %d (the image's user)", psc, image.UID)
	}
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
		t.Errorf("container security context %+v: want a read-only root, no privilege escalation, all capabilities dropped", sc)
	}
	// With a read-only root, /tmp must be a writable volume.
	tmp := ""
	for _, vm := range c.VolumeMounts {
		if vm.MountPath == "/tmp" && !vm.ReadOnly {
			tmp = vm.Name
		}
	}
	found := false
	for _, v := range pod.Volumes {
		found = found || (v.Name == tmp && v.EmptyDir != nil)
	}
	if !found {
		t.Errorf("no writable emptyDir volume mounted at /tmp")
	}
}

// TestProbesUseTheServersHealthEndpoints: readiness on /readyz (503 while
// draining), liveness and start-up on /healthz, all on the named port. The
// end-to-end test in cmd/nerkit-image asks the real server these paths.
func TestProbesUseTheServersHealthEndpoints(t *testing.T) {
	_, c := load(t)
	for name, p := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{
		"readiness": {c.ReadinessProbe, "/readyz"},
		"liveness":  {c.LivenessProbe, "/healthz"},
		"startup":   {c.StartupProbe, "/healthz"},
	} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("%s probe: want an HTTP GET", name)
			continue
		}
		g := p.probe.HTTPGet
		if g.Path != p.path || g.Port.String() != c.Ports[0].Name {
			t.Errorf("%s probe: GET %s on port %s, want %s on %s", name, g.Path, g.Port.String(), p.path, c.Ports[0].Name)
		}
	}
	// The kubelet stops a container that fails liveness; a replica busy
	// with long batches must not look dead: allow several periods.
	if l := c.LivenessProbe; l.FailureThreshold < 3 || l.TimeoutSeconds < 2 {
		t.Errorf("liveness probe gives up after %d failures of %d s", l.FailureThreshold, l.TimeoutSeconds)
	}
	if s := c.StartupProbe; s.PeriodSeconds*s.FailureThreshold < 60 {
		t.Errorf("start-up probe allows only %d s to load the model", s.PeriodSeconds*s.FailureThreshold)
	}
}

// TestDrainFitsTheGracePeriod: the preStop sleep keeps the replica serving
// while load balancers drop it, then SIGTERM starts serve's own drain
// (in-flight requests get up to --timeout + 5 s); all of it must end before
// the kubelet's SIGKILL at terminationGracePeriodSeconds.
func TestDrainFitsTheGracePeriod(t *testing.T) {
	m, c := load(t)
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Fatal("no preStop sleep (the image has no shell, so no exec sleep)")
	}
	sleep := time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	if sleep < 5*time.Second {
		t.Errorf("preStop sleeps %v: too short for endpoint removal to reach the load balancers", sleep)
	}
	timeout, err := time.ParseDuration(mustFlag(t, c, "--timeout"))
	if err != nil {
		t.Fatal(err)
	}
	drain := timeout + 5*time.Second // serve.Options.ShutdownTimeout's default
	gp := m.Deployment.Spec.Template.Spec.TerminationGracePeriodSeconds
	if gp == nil {
		t.Fatal("no terminationGracePeriodSeconds (the default, 30 s, is shorter than the drain)")
	}
	grace := time.Duration(*gp) * time.Second
	if sleep+drain >= grace {
		t.Errorf("preStop %v + drain %v = %v does not fit the grace period %v", sleep, drain, sleep+drain, grace)
	}
	// A rolling update must never lower the number of ready replicas.
	ru := m.Deployment.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("rolling update %+v: want maxUnavailable 0", ru)
	}
}

// TestResourcesMatchThreads: the model computes on --threads cores; the CPU
// request and limit are those cores, memory request equals limit (a
// Guaranteed pod), and GOMEMLIMIT follows the memory limit.
func TestResourcesMatchThreads(t *testing.T) {
	_, c := load(t)
	threads, err := strconv.Atoi(mustFlag(t, c, "--threads"))
	if err != nil || threads < 1 {
		t.Fatalf("--threads %q: want a positive count (0 means all of the node's cores)", mustFlag(t, c, "--threads"))
	}
	req, lim := c.Resources.Requests, c.Resources.Limits
	cpuReq, cpuLim := req[corev1.ResourceCPU], lim[corev1.ResourceCPU]
	if cpuReq.MilliValue() != int64(threads)*1000 || cpuLim.Cmp(cpuReq) != 0 {
		t.Errorf("cpu request %s, limit %s: want both %d (one core per thread)", cpuReq.String(), cpuLim.String(), threads)
	}
	memReq, memLim := req[corev1.ResourceMemory], lim[corev1.ResourceMemory]
	if memReq.IsZero() || memLim.Cmp(memReq) != 0 {
		t.Errorf("memory request %s, limit %s: want equal and set", memReq.String(), memLim.String())
	}
	// The smallest useful model (scratch:small, mBERT vocabulary) peaks at
	// about 0.5 GB; less than that cannot hold any real model.
	if memLim.Value() < 512<<20 {
		t.Errorf("memory limit %s is below any real model's need", memLim.String())
	}
	workers, err := strconv.Atoi(mustFlag(t, c, "--workers"))
	if err != nil || workers != 1 {
		t.Errorf("--workers %q: the engine runs one batch at a time on all its threads; want 1", mustFlag(t, c, "--workers"))
	}
	var gomemlimit *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "GOMEMLIMIT" {
			gomemlimit = &c.Env[i]
		}
	}
	if gomemlimit == nil || gomemlimit.ValueFrom == nil || gomemlimit.ValueFrom.ResourceFieldRef == nil ||
		gomemlimit.ValueFrom.ResourceFieldRef.Resource != "limits.memory" || gomemlimit.ValueFrom.ResourceFieldRef.ContainerName != "" {
		t.Errorf("GOMEMLIMIT %+v: want it from this container's limits.memory", gomemlimit)
	}
}

func podLabels(m *Manifests) labels.Set { return labels.Set(m.Deployment.Spec.Template.Labels) }

func TestSelectorsMatchThePods(t *testing.T) {
	m, c := load(t)
	sel, err := metav1.LabelSelectorAsSelector(m.Deployment.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(podLabels(m)) {
		t.Errorf("deployment selector %v does not match its pods' labels %v", m.Deployment.Spec.Selector, podLabels(m))
	}
	svc := labels.SelectorFromSet(m.Service.Spec.Selector)
	if svc.Empty() || !svc.Matches(podLabels(m)) {
		t.Errorf("service selector %v does not match the pods' labels %v", m.Service.Spec.Selector, podLabels(m))
	}
	pdb, err := metav1.LabelSelectorAsSelector(m.PDB.Spec.Selector)
	if err != nil || pdb.Empty() || !pdb.Matches(podLabels(m)) {
		t.Errorf("PDB selector %v does not match the pods' labels %v", m.PDB.Spec.Selector, podLabels(m))
	}
	for _, tsc := range m.Deployment.Spec.Template.Spec.TopologySpreadConstraints {
		s, err := metav1.LabelSelectorAsSelector(tsc.LabelSelector)
		if err != nil || !s.Matches(podLabels(m)) {
			t.Errorf("topology spread selector %v does not match the pods", tsc.LabelSelector)
		}
	}
	if len(m.Service.Spec.Ports) != 1 {
		t.Fatalf("service ports %+v, want one", m.Service.Spec.Ports)
	}
	if tp := m.Service.Spec.Ports[0].TargetPort; tp.String() != c.Ports[0].Name {
		t.Errorf("service targets port %s, the container's is %s", tp.String(), c.Ports[0].Name)
	}
}

func TestAutoscalerAndDisruptionBudget(t *testing.T) {
	m, _ := load(t)
	ref := m.HPA.Spec.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != m.Deployment.Name {
		t.Errorf("HPA targets %s %s %s, want apps/v1 Deployment %s", ref.APIVersion, ref.Kind, ref.Name, m.Deployment.Name)
	}
	if len(m.HPA.Spec.Metrics) != 1 {
		t.Fatalf("HPA metrics %+v, want CPU alone", m.HPA.Spec.Metrics)
	}
	metric := m.HPA.Spec.Metrics[0]
	if metric.Resource == nil || metric.Resource.Name != corev1.ResourceCPU || metric.Resource.Target.AverageUtilization == nil {
		t.Fatalf("HPA metric %+v, want CPU utilization", metric)
	}
	if u := *metric.Resource.Target.AverageUtilization; u < 30 || u > 90 {
		t.Errorf("CPU target %d %%: too eager or too late", u)
	}
	minR, maxR, replicas := *m.HPA.Spec.MinReplicas, m.HPA.Spec.MaxReplicas, *m.Deployment.Spec.Replicas
	if minR < 2 || minR > maxR || replicas < minR || replicas > maxR {
		t.Errorf("replicas %d, HPA %d..%d: want 2 <= min <= replicas <= max", replicas, minR, maxR)
	}
	// A drain may take a replica only while another one keeps serving.
	if mu := m.PDB.Spec.MaxUnavailable; mu == nil || mu.IntValue() < 1 || int32(mu.IntValue()) >= minR || m.PDB.Spec.MinAvailable != nil {
		t.Errorf("PDB maxUnavailable %v: want at least 1 and below the HPA's minimum %d", mu, minR)
	}
}
