package dev.leastprivilege.controller;

import dev.leastprivilege.webhook.WebhookServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The MutatingWebhookConfiguration the ITs register: the webhook at {@code 127.0.0.1:port}, called
 * for Pod CREATE with {@code failurePolicy: Fail} and {@code timeoutSeconds: 5}, as the chart's;
 * each IT adds what it is about (a trusted CA, a namespaceSelector).
 */
record WebhookRegistration(String name, int port, String caPem, String namespaceSelector) {

  /** A namespaceSelector that leaves out namespaces labelled leastprivilege.dev/ignore=true. */
  static final String NOT_OPTED_OUT =
      "{matchExpressions: [{key: leastprivilege.dev/ignore, operator: NotIn, values: [\"true\"]}]}";

  static WebhookRegistration of(String name, int port) {
    return new WebhookRegistration(name, port, null, null);
  }

  /** The API server trusts only this CA (PEM) for the webhook's certificate. */
  WebhookRegistration trusting(String pem) {
    return new WebhookRegistration(name, port, pem, namespaceSelector);
  }

  /** Only namespaces this selector (YAML flow style) matches are sent to the webhook. */
  WebhookRegistration selecting(String selector) {
    return new WebhookRegistration(name, port, caPem, selector);
  }

  String yaml() {
    String ca =
        caPem == null
            ? ""
            : ", caBundle: "
                + Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8));
    return """
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: %s}
        webhooks:
        - name: pods.leastprivilege.dev
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Fail
          timeoutSeconds: 5
          clientConfig: {url: "https://127.0.0.1:%d%s"%s}
          rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
        """
            .formatted(name, port, WebhookServer.PATH, ca)
        + (namespaceSelector == null ? "" : "  namespaceSelector: " + namespaceSelector + "\n");
  }
}
