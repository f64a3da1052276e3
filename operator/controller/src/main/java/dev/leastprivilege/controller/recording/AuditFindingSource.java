package dev.leastprivilege.controller.recording;

import dev.leastprivilege.api.v1alpha1.NodeRecording;
import dev.leastprivilege.controller.OperatorSettings;
import dev.leastprivilege.webhook.WithoutManagedFields;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Set;

/**
 * The recorders' NodeRecordings as an event source of the SeccompProfile or the CapabilityPolicy
 * reconciler: a report wakes only the objects whose findings it changed ({@link
 * AuditFindingIndex}), and the cache keeps of each report only the findings of that kind.
 */
public final class AuditFindingSource {
  public static final String NAME = "audit-findings";

  private AuditFindingSource() {}

  public static <P extends HasMetadata> InformerEventSource<NodeRecording, P> create(
      EventSourceContext<P> ctx, Class<P> primary, AuditFindingIndex index) {
    var store = new OneKindStore(index.kind());
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(NodeRecording.class, primary)
            .withName(NAME)
            .withInformerListLimit(OperatorSettings.LIST_PAGE)
            .withItemStore(store)
            .withSecondaryToPrimaryMapper(
                report -> {
                  String node = report.getMetadata().getName();
                  // Deleted (no longer cached): its findings count no more.
                  return store.get(node) == null ? index.remove(node) : index.update(report);
                })
            .withPrimaryToSecondaryMapper(p -> Set.<ResourceID>of())
            .build(),
        ctx);
  }

  /** A report without its pods and without the other kind's findings. */
  static final class OneKindStore extends WithoutManagedFields<NodeRecording> {
    private final String kind;

    OneKindStore(String kind) {
      this.kind = kind;
    }

    @Override
    public NodeRecording put(String key, NodeRecording report) {
      if (report.getStatus() != null) {
        report.getStatus().setPods(List.of());
        if (report.getStatus().getAuditFindings() != null) {
          report
              .getStatus()
              .setAuditFindings(
                  report.getStatus().getAuditFindings().stream()
                      .filter(f -> kind.equals(f.getKind()))
                      .toList());
        }
      }
      return super.put(key, report);
    }
  }
}
