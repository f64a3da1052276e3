package dev.leastprivilege.controller.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.leastprivilege.api.v1alpha1.FailedProfile;
import dev.leastprivilege.controller.RealApiServer;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.ArrayList;
import java.util.List;

/**
 * The two report shapes the benchmark compares with today's NodeProfileStatus, as bench-only CRDs
 * in their own group, so that nothing of the product's API changes.
 *
 * <ul>
 *   <li>{@link LegacyNodeReport}: the shape NodeProfileStatus had before (one object per node that
 *       lists every installed profile with its content hash), with the old CRD's schema;
 *   <li>{@link SpoNodeStatus}: one object per profile per node, the shape of the Security Profiles
 *       Operator's SecurityProfileNodeStatus (cluster-scoped, named {@code <profile>-<node>}, four
 *       labels, {@code spec.nodeName}, {@code status.status}, owned by the profile).
 * </ul>
 */
final class BenchReports {
  static final String GROUP = "bench.leastprivilege.dev";

  private BenchReports() {}

  /** The report of one node in the earlier design: every profile it has, rewritten each time. */
  @Group(GROUP)
  @Version("v1alpha1")
  @Kind("LegacyNodeReport")
  @Plural("legacynodereports")
  public static class LegacyNodeReport extends CustomResource<NodeSpec, LegacyStatus> {}

  public static class NodeSpec {
    private String nodeName;

    public String getNodeName() {
      return nodeName;
    }

    public void setNodeName(String nodeName) {
      this.nodeName = nodeName;
    }
  }

  /** The old status: {@code installed} and {@code failed}, each a list of profile entries. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class LegacyStatus {
    private List<FailedProfile> installed = new ArrayList<>();
    private List<FailedProfile> failed = new ArrayList<>();
    private String lastSyncTime;

    public List<FailedProfile> getInstalled() {
      return installed;
    }

    public void setInstalled(List<FailedProfile> installed) {
      this.installed = installed;
    }

    public List<FailedProfile> getFailed() {
      return failed;
    }

    public void setFailed(List<FailedProfile> failed) {
      this.failed = failed;
    }

    public String getLastSyncTime() {
      return lastSyncTime;
    }

    public void setLastSyncTime(String lastSyncTime) {
      this.lastSyncTime = lastSyncTime;
    }
  }

  /** One profile on one node, as SPO's daemon writes it. */
  @Group(GROUP)
  @Version("v1")
  @Kind("SecurityProfileNodeStatus")
  @Plural("securityprofilenodestatuses")
  public static class SpoNodeStatus extends CustomResource<NodeSpec, SpoStatus> {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class SpoStatus {
    private String status;

    public SpoStatus() {}

    SpoStatus(String status) {
      this.status = status;
    }

    public String getStatus() {
      return status;
    }

    public void setStatus(String status) {
      this.status = status;
    }
  }

  static final String LEGACY_CRD =
      """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: legacynodereports.bench.leastprivilege.dev}
      spec:
        group: bench.leastprivilege.dev
        names: {kind: LegacyNodeReport, plural: legacynodereports, singular: legacynodereport}
        scope: Cluster
        versions:
          - name: v1alpha1
            served: true
            storage: true
            subresources: {status: {}}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties: {nodeName: {type: string}}
                  status:
                    type: object
                    properties:
                      installed:
                        type: array
                        items: &entry
                          type: object
                          properties:
                            namespace: {type: string}
                            name: {type: string}
                            contentHash: {type: string}
                            message: {type: string}
                      failed:
                        type: array
                        items: *entry
                      lastSyncTime: {type: string}
      """;

  static final String SPO_CRD =
      """
      apiVersion: apiextensions.k8s.io/v1
      kind: CustomResourceDefinition
      metadata: {name: securityprofilenodestatuses.bench.leastprivilege.dev}
      spec:
        group: bench.leastprivilege.dev
        names:
          kind: SecurityProfileNodeStatus
          plural: securityprofilenodestatuses
          singular: securityprofilenodestatus
        scope: Cluster
        versions:
          - name: v1
            served: true
            storage: true
            subresources: {status: {}}
            schema:
              openAPIV3Schema:
                type: object
                required: [spec]
                properties:
                  spec:
                    type: object
                    required: [nodeName]
                    properties: {nodeName: {type: string, minLength: 1}}
                  status:
                    type: object
                    properties:
                      status:
                        type: string
                        enum: [Partial, Disabled, Pending, InProgress, Installed, Terminating, Error]
      """;

  /** Registers both bench CRDs and waits until the API server serves them. */
  static void register(KubernetesClient client) {
    for (String yaml : List.of(LEGACY_CRD, SPO_CRD)) {
      RealApiServer.applyCrd(client, yaml);
    }
  }
}
