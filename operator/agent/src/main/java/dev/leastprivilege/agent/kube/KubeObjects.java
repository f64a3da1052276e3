package dev.leastprivilege.agent.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * fabric8's model objects from and to {@link JsonTree}s, for the fields the agent reads and writes:
 * its JSON binding without jackson-databind. Fields not named here are not read; a test holds the
 * written ones to what fabric8's own serialization writes.
 */
public final class KubeObjects {
  /** An object's metadata only ({@link #metadata}): its name or UID is all that is wanted. */
  public static final Binding<ObjectMeta> METADATA =
      new Binding<>(Set.of("metadata"), KubeObjects::metadata);

  /** A ConfigMap's metadata and string data ({@link #configMap}). */
  public static final Binding<ConfigMap> CONFIG_MAP =
      new Binding<>(Set.of("metadata", "data"), KubeObjects::configMap);

  private KubeObjects() {}

  /** An object's metadata: name, namespace, UID, resourceVersion, labels, annotations, owners. */
  public static ObjectMeta metadata(Map<String, ?> object) {
    Map<String, Object> m = JsonTree.object(object, "metadata");
    ObjectMeta meta = new ObjectMeta();
    meta.setName(JsonTree.text(m, "name"));
    meta.setNamespace(JsonTree.text(m, "namespace"));
    meta.setUid(JsonTree.text(m, "uid"));
    meta.setResourceVersion(JsonTree.text(m, "resourceVersion"));
    meta.setLabels(strings(m, "labels"));
    meta.setAnnotations(strings(m, "annotations"));
    List<OwnerReference> owners = new ArrayList<>();
    for (Object o : JsonTree.array(m, "ownerReferences")) {
      Map<String, Object> r = JsonTree.asObject(o);
      OwnerReference owner = new OwnerReference();
      owner.setApiVersion(JsonTree.text(r, "apiVersion"));
      owner.setKind(JsonTree.text(r, "kind"));
      owner.setName(JsonTree.text(r, "name"));
      owner.setUid(JsonTree.text(r, "uid"));
      owners.add(owner);
    }
    meta.setOwnerReferences(owners);
    return meta;
  }

  /** A ConfigMap: its metadata and its string data (binary data is not read). */
  public static ConfigMap configMap(Map<String, ?> object) {
    ConfigMap cm = new ConfigMap();
    cm.setMetadata(metadata(object));
    cm.setData(strings(object, "data"));
    return cm;
  }

  /** The metadata the agent writes: name, namespace, labels, annotations, owners. */
  public static Map<String, Object> tree(ObjectMeta meta) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", meta.getName());
    m.put("namespace", meta.getNamespace());
    if (meta.getLabels() != null && !meta.getLabels().isEmpty()) {
      m.put("labels", meta.getLabels());
    }
    if (meta.getAnnotations() != null && !meta.getAnnotations().isEmpty()) {
      m.put("annotations", meta.getAnnotations());
    }
    if (meta.getOwnerReferences() != null && !meta.getOwnerReferences().isEmpty()) {
      List<Map<String, Object>> owners = new ArrayList<>();
      for (OwnerReference o : meta.getOwnerReferences()) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("apiVersion", o.getApiVersion());
        r.put("kind", o.getKind());
        r.put("name", o.getName());
        r.put("uid", o.getUid());
        r.put("controller", o.getController());
        r.put("blockOwnerDeletion", o.getBlockOwnerDeletion());
        owners.add(r);
      }
      m.put("ownerReferences", owners);
    }
    return m;
  }

  private static Map<String, String> strings(Map<String, ?> object, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonTree.object(object, field)
        .forEach(
            (k, v) -> {
              if (v != null) {
                out.put(k, v.toString());
              }
            });
    return out;
  }
}
