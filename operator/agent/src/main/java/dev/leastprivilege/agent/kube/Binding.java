package dev.leastprivilege.agent.kube;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * How the agent reads one kind: the top-level fields it needs (the others are skipped as they
 * stream, {@link JsonTree#readObject(JsonParser, Set)}) and how they become its object ({@link
 * KubeObjects}).
 */
public record Binding<T>(Set<String> fields, Function<Map<String, Object>, T> bind) {
  public Binding {
    fields = Set.copyOf(fields);
  }

  /** The object that starts at the parser's current token. */
  T read(JsonParser p) throws IOException {
    return bind.apply(JsonTree.readObject(p, fields));
  }
}
