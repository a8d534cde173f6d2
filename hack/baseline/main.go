// client-go-remediator: the baseline `resilience-bench operator` compares the operator with. The least
// a remediator can be: one shared pod informer whose update handler deletes (or, with -evict, evicts) a
// pod the moment one of its containers waits in CrashLoopBackOff. Built by `hack/control-plane.sh baseline` from the same
// Kubernetes source tree (and vendored client-go) as the local control plane.
//
// It prints "synced" once its cache has synced, then one line per deletion; it exits on SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

func crashLooping(pod *corev1.Pod) bool {
	for _, status := range pod.Status.ContainerStatuses {
		if status.State.Waiting != nil && status.State.Waiting.Reason == "CrashLoopBackOff" {
			return true
		}
	}
	return false
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "the kubeconfig to use")
	namespace := flag.String("namespace", "", "one namespace; all when empty")
	qps := flag.Float64("qps", 20, "client QPS, as the operator's default")
	burst := flag.Int("burst", 30, "client burst")
	evict := flag.Bool("evict", false, "evict (honouring PodDisruptionBudgets) instead of deleting")
	flag.Parse()

	config, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	config.QPS = float32(*qps)
	config.Burst = *burst
	config.UserAgent = "client-go-remediator"
	client := kubernetes.NewForConfigOrDie(config)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	var mutex sync.Mutex
	deleted := map[types.UID]bool{}
	remediate := func(object interface{}) {
		pod, ok := object.(*corev1.Pod)
		if !ok || pod.DeletionTimestamp != nil || !crashLooping(pod) {
			return
		}
		mutex.Lock()
		seen := deleted[pod.UID]
		deleted[pod.UID] = true
		mutex.Unlock()
		if seen {
			return
		}
		uid := pod.UID
		options := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
		var err error
		if *evict {
			err = client.CoreV1().Pods(pod.Namespace).Evict(ctx, &policyv1beta1.Eviction{
				ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}, DeleteOptions: &options})
		} else {
			err = client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, options)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "cannot remove", pod.Namespace+"/"+pod.Name+":", err)
			return
		}
		fmt.Println("removed", pod.Namespace+"/"+pod.Name)
	}

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(*namespace))
	pods := factory.Core().V1().Pods().Informer()
	pods.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    remediate,
		UpdateFunc: func(_, object interface{}) { remediate(object) },
		DeleteFunc: func(object interface{}) {
			if pod, ok := object.(*corev1.Pod); ok {
				mutex.Lock()
				delete(deleted, pod.UID)
				mutex.Unlock()
			}
		},
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), pods.HasSynced) {
		fmt.Fprintln(os.Stderr, "error: the pod cache did not sync")
		os.Exit(1)
	}
	fmt.Println("synced")
	<-ctx.Done()
}
