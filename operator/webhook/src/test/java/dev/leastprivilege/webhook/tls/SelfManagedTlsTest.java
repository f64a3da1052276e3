package dev.leastprivilege.webhook.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The self-managed CA: issued once, shared through the Secret, renewed when needed, caBundle kept
 * in step.
 */
@EnableKubernetesMockClient(crud = true)
class SelfManagedTlsTest {
  KubernetesClient client;

  @Test
  void issuesOnceWritesTheCaBundleAndPutsItBackAfterAReset() throws Exception {
    client.resource(webhookConfig()).create();
    SelfManagedTls first = tls(List.of("svc.ns.svc"));
    first.upkeep();
    Secret secret = client.secrets().inNamespace("ns").withName("tls").get();
    String caPem = first.caCertificate().orElseThrow();
    assertEquals(caPem, decode(secret.getData().get("ca.crt")));
    X509Certificate leaf =
        Pems.certificates(first.current().orElseThrow().certificateChain()).get(0);
    leaf.verify(Pems.certificates(caPem).get(0).getPublicKey());
    assertTrue(
        leaf.getSubjectAlternativeNames().stream().anyMatch(s -> s.get(1).equals("svc.ns.svc")));
    assertTrue(
        leaf.getSubjectAlternativeNames().stream().anyMatch(s -> s.get(1).equals("10.0.0.7")));
    assertEquals(
        Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)), caBundle());

    // A second replica uses the same certificate rather than issuing its own.
    SelfManagedTls second = tls(List.of("svc.ns.svc"));
    second.upkeep();
    assertEquals(first.current(), second.current());

    // helm upgrade resets the caBundle; the next upkeep puts it back.
    client.resource(webhookConfig()).update();
    second.upkeep();
    assertEquals(
        Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)), caBundle());
  }

  @Test
  void aMissingNameGetsANewServingCertificateFromTheSameCa() {
    SelfManagedTls before = tls(List.of("old.ns.svc"));
    before.upkeep();
    SelfManagedTls after = tls(List.of("new.ns.svc"));
    after.upkeep();
    assertEquals(before.caCertificate(), after.caCertificate());
    assertNotEquals(before.current(), after.current());
  }

  private SelfManagedTls tls(List<String> dns) {
    return new SelfManagedTls(client, "ns", "tls", "lpo", dns, List.of("10.0.0.7"));
  }

  private String caBundle() {
    return client
        .admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName("lpo")
        .get()
        .getWebhooks()
        .get(0)
        .getClientConfig()
        .getCaBundle();
  }

  private static MutatingWebhookConfiguration webhookConfig() {
    return new MutatingWebhookConfigurationBuilder()
        .withNewMetadata()
        .withName("lpo")
        .endMetadata()
        .addNewWebhook()
        .withName("pods.leastprivilege.dev")
        .withNewClientConfig()
        .withUrl("https://x/mutate-pods")
        .endClientConfig()
        .withAdmissionReviewVersions("v1")
        .withSideEffects("None")
        .endWebhook()
        .build();
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
  }
}
