import Foundation
import KubernetesAPI
import ResilienceCore
@testable import ResilienceOperator
import TestSupport
import Testing

/// Which watch events plan anything, and what the pod cache keeps, on objects as the server returns them.
@Suite struct ChangePredicatesTests {
    /// The first pod of a captured list, as JSON to change as a writer would.
    private func podJSON() throws -> [String: Any] {
        let list = try #require(try JSONSerialization.jsonObject(with: Fixture.data("stable-pod-list.json")) as? [String: Any])
        return try #require((list["items"] as? [[String: Any]])?.first)
    }

    private func decode(_ json: [String: Any]) throws -> Pod {
        OperatorCaches.podProjection(try KubernetesJSON.decoder().decode(Pod.self, from: JSONSerialization.data(withJSONObject: json)))
    }

    /// `json` with `change` applied to it and a new resourceVersion, as the next watch event brings it.
    private func written(_ json: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var json = json
        change(&json)
        var metadata = json["metadata"] as? [String: Any] ?? [:]
        metadata["resourceVersion"] = "\(Int(metadata["resourceVersion"] as? String ?? "0")! + 1)"
        json["metadata"] = metadata
        return json
    }

    private func mutateStatus(_ json: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var status = json["status"] as? [String: Any] ?? [:]
        change(&status)
        json["status"] = status
    }

    /// The kubelet's write that turns the pod's Ready condition over.
    private func flipReady(_ pod: inout [String: Any]) {
        mutateStatus(&pod) { status in
            var conditions = status["conditions"] as? [[String: Any]] ?? []
            for index in conditions.indices where conditions[index]["type"] as? String == "Ready" {
                conditions[index]["status"] = conditions[index]["status"] as? String == "True" ? "False" : "True"
            }
            status["conditions"] = conditions
        }
    }

    @Test func aWriteThatChangesNothingJudgedPlansNothing() throws {
        let json = try podJSON()
        let before = try decode(json)
        // What a kubelet rewrites without changing a judgement: the host IP, the QoS class, an image ID.
        let after = try decode(written(json) { pod in
            mutateStatus(&pod) { status in
                status["hostIP"] = "10.9.9.9"
                status["qosClass"] = "Burstable"
                var containers = status["containerStatuses"] as? [[String: Any]] ?? []
                containers[0]["imageID"] = "docker-pullable://registry.example/app@sha256:0123"
                status["containerStatuses"] = containers
            }
        })
        #expect(!ChangePredicates.matters(after, previous: before))
        // And an annotation, which the pod cache does not keep.
        let annotated = try decode(written(json) { pod in
            var metadata = pod["metadata"] as? [String: Any] ?? [:]
            metadata["annotations"] = ["example.com/last-seen": "now"]
            pod["metadata"] = metadata
        })
        #expect(annotated.metadata.annotations == nil)
        #expect(!ChangePredicates.matters(annotated, previous: before))
    }

    @Test func aChangeTheJudgeReadsPlans() throws {
        let json = try podJSON()
        let before = try decode(json)
        let restarted = try decode(written(json) { pod in
            mutateStatus(&pod) { status in
                var containers = status["containerStatuses"] as? [[String: Any]] ?? []
                containers[0]["restartCount"] = (containers[0]["restartCount"] as? Int ?? 0) + 1
                status["containerStatuses"] = containers
            }
        })
        #expect(ChangePredicates.matters(restarted, previous: before))
        let flipped = try decode(written(json, flipReady))
        #expect(flipped.isReady != before.isReady)
        #expect(ChangePredicates.matters(flipped, previous: before))
        #expect(ChangePredicates.matters(before, previous: nil), "a new pod always plans")
    }

    /// The controllers write a Deployment's and its ReplicaSet's counts each time one of their pods comes
    /// or goes Ready: the pods' own events plan then, these plan nothing.
    @Test func aControllersReadyCountWritePlansNothingARolloutDoes() throws {
        let list = try #require(try JSONSerialization.jsonObject(with: Fixture.data("stable-replicaset-list.json")) as? [String: Any])
        let setJSON = try #require((list["items"] as? [[String: Any]])?.first)
        func replicaSet(_ json: [String: Any]) throws -> ReplicaSet {
            try KubernetesJSON.decoder().decode(ReplicaSet.self, from: JSONSerialization.data(withJSONObject: json))
        }
        let set = try replicaSet(setJSON)
        let counted = try replicaSet(written(setJSON) { set in
            mutateStatus(&set) { status in
                status["readyReplicas"] = 3
                status["availableReplicas"] = 3
            }
        })
        #expect(!ChangePredicates.matters(counted, previous: set))
        let revised = try replicaSet(written(setJSON) { set in
            var metadata = set["metadata"] as? [String: Any] ?? [:]
            var annotations = metadata["annotations"] as? [String: String] ?? [:]
            annotations["deployment.kubernetes.io/revision"] = "3"
            metadata["annotations"] = annotations
            set["metadata"] = metadata
        })
        #expect(revised.revision == 3)
        #expect(ChangePredicates.matters(revised, previous: set), "a rollback makes an old ReplicaSet the newest revision")

        let deploymentJSON = try #require(try JSONSerialization.jsonObject(with: Fixture.data("stable-deployment.json")) as? [String: Any])
        func deployment(_ json: [String: Any]) throws -> Deployment {
            OperatorCaches.deploymentProjection(try KubernetesJSON.decoder().decode(Deployment.self, from: JSONSerialization.data(withJSONObject: json)))
        }
        let before = try deployment(deploymentJSON)
        let ready = try deployment(written(deploymentJSON) { deployment in
            mutateStatus(&deployment) { status in
                status["readyReplicas"] = 3
                status["availableReplicas"] = 3
                status["unavailableReplicas"] = nil
                var conditions = status["conditions"] as? [[String: Any]] ?? []
                for index in conditions.indices where conditions[index]["type"] as? String == "Available" {
                    conditions[index]["status"] = "True"
                    conditions[index]["reason"] = "MinimumReplicasAvailable"
                }
                status["conditions"] = conditions
            }
        })
        #expect(!ChangePredicates.matters(ready, previous: before))
        // A pod evicted: the controller counts one replica fewer, all of them updated, then one more.
        let oneFewer = try deployment(written(deploymentJSON) { deployment in
            mutateStatus(&deployment) { status in
                status["replicas"] = 2
                status["updatedReplicas"] = 2
            }
        })
        #expect(!ChangePredicates.matters(oneFewer, previous: before), "a pod evicted and replaced is no rollout")
        let rolling = try deployment(written(deploymentJSON) { deployment in
            mutateStatus(&deployment) { status in
                status["replicas"] = 4
                status["updatedReplicas"] = 1
            }
        })
        #expect(ChangePredicates.matters(rolling, previous: before), "a rollout's progress plans")
    }

    @Test func theSchedulersBindingPlansNothingAnUnschedulablePodDoes() throws {
        let list = try #require(try JSONSerialization.jsonObject(with: Fixture.data("pod-list-pending.json")) as? [String: Any])
        let boundJSON = try #require((list["items"] as? [[String: Any]])?.first)
        // The pod as its ReplicaSet created it: no node, no PodScheduled condition.
        var createdJSON = boundJSON
        var spec = createdJSON["spec"] as? [String: Any] ?? [:]
        spec["nodeName"] = nil
        createdJSON["spec"] = spec
        mutateStatus(&createdJSON) { status in
            status["conditions"] = (status["conditions"] as? [[String: Any]])?.filter { $0["type"] as? String != "PodScheduled" }
        }
        let created = try decode(createdJSON)
        let bound = try decode(written(boundJSON) { _ in })
        let raw = try KubernetesJSON.decoder().decode(Pod.self, from: JSONSerialization.data(withJSONObject: boundJSON))
        #expect(raw.spec?.nodeName != nil && raw.condition("PodScheduled")?.status == "True", "the fixture is a bound pod")
        #expect(!ChangePredicates.matters(bound, previous: created))
        // A pod the scheduler cannot place: the planner says why it is Pending.
        let unschedulable = try decode(written(createdJSON) { pod in
            mutateStatus(&pod) { status in
                status["conditions"] = [["type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available"]]
            }
        })
        #expect(unschedulable.condition("PodScheduled")?.message == "0/1 nodes are available")
        #expect(ChangePredicates.matters(unschedulable, previous: created))
    }

    @Test func aTerminatingPodDeletedAtOncePlansNothingItsDeletionDoes() throws {
        let json = try podJSON()
        func deleted(_ json: [String: Any], at time: String) -> [String: Any] {
            written(json) { pod in
                var metadata = pod["metadata"] as? [String: Any] ?? [:]
                metadata["deletionTimestamp"] = time
                pod["metadata"] = metadata
            }
        }
        let running = try decode(json)
        // An eviction: the pod is terminating, with its grace period.
        let evictedJSON = deleted(json, at: "2026-11-23T07:30:30Z")
        let evicted = try decode(evictedJSON)
        #expect(ChangePredicates.matters(evicted, previous: running), "a pod that starts terminating plans")
        // The kubelet deletes it at once (grace 0): only the deletion time moves.
        let now = try decode(deleted(evictedJSON, at: "2026-11-23T07:30:01Z"))
        #expect(now.metadata.deletionTimestamp != evicted.metadata.deletionTimestamp)
        #expect(!ChangePredicates.matters(now, previous: evicted))
        // A terminating pod whose readiness flips still plans (a StatefulSet's quorum counts it).
        let flipped = try decode(written(evictedJSON, flipReady))
        #expect(flipped.isReady != evicted.isReady)
        #expect(ChangePredicates.matters(flipped, previous: evicted))
    }

    /// New trouble is planned at once; an eviction's aftermath (the pod terminating, its replacement
    /// created, starting and Ready) and a recovery wait a moment, to be planned together.
    @Test func newTroubleIsUrgentAnEvictionsAftermathIsNot() throws {
        let list = try #require(try JSONSerialization.jsonObject(with: Fixture.data("stable-pod-list.json")) as? [String: Any])
        let items = try #require(list["items"] as? [[String: Any]])
        let crashingJSON = items[0], healthyJSON = items[1]
        let crashing = try decode(crashingJSON), healthy = try decode(healthyJSON)
        #expect(crashing.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff" && healthy.isReady, "the fixture's first pod crash-loops, its second serves")
        func containers(_ json: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
            mutateStatus(&json) { status in
                var containers = status["containerStatuses"] as? [[String: Any]] ?? []
                change(&containers[0])
                status["containerStatuses"] = containers
            }
        }

        // Trouble that was not there before.
        #expect(ChangePredicates.urgent(crashing, previous: nil), "a pod first seen crash-looping")
        let restarted = try decode(written(crashingJSON) { pod in containers(&pod) { $0["restartCount"] = ($0["restartCount"] as? Int ?? 0) + 1 } })
        #expect(ChangePredicates.urgent(restarted, previous: crashing), "one more restart")
        let unready = try decode(written(healthyJSON, flipReady))
        #expect(ChangePredicates.urgent(unready, previous: healthy), "Ready lost")
        let crashed = try decode(written(healthyJSON) { pod in
            containers(&pod) { $0["state"] = ["waiting": ["reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container"]] }
        })
        #expect(ChangePredicates.urgent(crashed, previous: healthy), "a serving container now waiting")
        let failed = try decode(written(healthyJSON) { pod in mutateStatus(&pod) { $0["phase"] = "Failed" } })
        #expect(ChangePredicates.urgent(failed, previous: healthy), "the pod failed")

        // The eviction and its aftermath.
        let evicted = try decode(written(crashingJSON) { pod in
            var metadata = pod["metadata"] as? [String: Any] ?? [:]
            metadata["deletionTimestamp"] = "2026-11-23T07:30:30Z"
            pod["metadata"] = metadata
        })
        #expect(ChangePredicates.matters(evicted, previous: crashing) && !ChangePredicates.urgent(evicted, previous: crashing), "the evicted pod terminating")
        let killed = try decode(written(healthyJSON) { pod in
            var metadata = pod["metadata"] as? [String: Any] ?? [:]
            metadata["deletionTimestamp"] = "2026-11-23T07:30:30Z"
            pod["metadata"] = metadata
            containers(&pod) { $0["state"] = ["terminated": ["exitCode": 137, "reason": "Error"]] }
        })
        #expect(!ChangePredicates.urgent(killed, previous: healthy), "a terminating pod's container killed")
        let pendingList = try #require(try JSONSerialization.jsonObject(with: Fixture.data("pod-list-pending.json")) as? [String: Any])
        let pendingJSON = try #require((pendingList["items"] as? [[String: Any]])?.first)
        let replacement = try decode(pendingJSON)
        #expect(!ChangePredicates.urgent(replacement, previous: nil), "its replacement created")
        let creating = try decode(written(pendingJSON) { pod in
            mutateStatus(&pod) { $0["containerStatuses"] = [["name": "web", "ready": false, "restartCount": 0, "image": "web", "imageID": "", "state": ["waiting": ["reason": "ContainerCreating"]]]] }
        })
        #expect(ChangePredicates.matters(creating, previous: replacement) && !ChangePredicates.urgent(creating, previous: replacement), "its container being created")
        let serving = try decode(written(healthyJSON) { _ in })
        #expect(!ChangePredicates.urgent(serving, previous: creating), "running and Ready")
        let pullFailing = try decode(written(pendingJSON) { pod in
            mutateStatus(&pod) { $0["containerStatuses"] = [["name": "web", "ready": false, "restartCount": 0, "image": "web", "imageID": "", "state": ["waiting": ["reason": "ErrImagePull"]]]] }
        })
        #expect(ChangePredicates.urgent(pullFailing, previous: creating), "a replacement that cannot pull its image")

        // A recovery ends trouble: nothing is urgent about it.
        let recovered = try decode(written(crashingJSON) { pod in containers(&pod) { $0["state"] = ["running": ["startedAt": "2026-11-23T07:31:00Z"]] } })
        #expect(ChangePredicates.matters(recovered, previous: crashing) && !ChangePredicates.urgent(recovered, previous: crashing))
    }

    @Test func aPolicysOwnStatusWritePlansNothingItsSpecDoes() throws {
        let decoder = KubernetesJSON.decoder()
        let policy = try decoder.decode(ResiliencePolicy.self, from: Fixture.data("policy-minimal-defaulted.json"))
        var statused = policy
        statused.metadata.resourceVersion = "\(policy.metadata.resourceVersion ?? "")1"
        statused.status = PolicyStatus()
        statused.status?.observedGeneration = policy.metadata.generation
        #expect(!ChangePredicates.matters(statused, previous: policy))
        var edited = statused
        edited.spec.suspend = true
        edited.metadata.generation = (policy.metadata.generation ?? 1) + 1
        #expect(ChangePredicates.matters(edited, previous: statused))
    }

    @Test func podsShareTheStringsTheyRepeat() throws {
        let json = try podJSON()
        var other = json
        var metadata = other["metadata"] as? [String: Any] ?? [:]
        metadata["name"] = "another-pod"
        metadata["uid"] = UUID().uuidString.lowercased()
        other["metadata"] = metadata
        let first = try decode(json), second = try decode(other)
        func storage(_ string: String?) -> UnsafeRawPointer? {
            var string = try? #require(string)
            return string?.withUTF8 { UnsafeRawPointer($0.baseAddress) }
        }
        let owner = try #require(first.metadata.ownerReferences?.first?.uid)
        #expect(owner.utf8.count > 15, "a UID is too long to live inside the String value")
        #expect(storage(first.metadata.ownerReferences?.first?.uid) == storage(second.metadata.ownerReferences?.first?.uid),
                "two pods of one ReplicaSet keep one copy of its UID")
        #expect(storage(first.metadata.uid) != storage(second.metadata.uid))
    }
}
