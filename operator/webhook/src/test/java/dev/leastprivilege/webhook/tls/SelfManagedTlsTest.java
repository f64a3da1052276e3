package dev.leastprivilege.webhook.tls;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
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

  @Test
  void twoReplicasRollTheCaOverTogetherAndTheCaBundleAlwaysLeadsWhatIsServed() {
    client.resource(webhookConfig()).create();
    // A CA with less than a year to live, and its serving certificate, as an older version left.
    CertificateIssuer.Issued oldCa = CertificateIssuer.newCa("old", java.time.Duration.ofDays(200));
    CertificateIssuer.Issued oldServing =
        CertificateIssuer.serving(oldCa, List.of("svc.ns.svc"), List.of("10.0.0.7"));
    client
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("tls")
                .withNamespace("ns")
                .endMetadata()
                .addToData("ca.crt", b64(oldCa.certificate()))
                .addToData("ca.key", b64(oldCa.privateKey()))
                .addToData("tls.crt", b64(oldServing.certificate() + oldCa.certificate()))
                .addToData("tls.key", b64(oldServing.privateKey()))
                .build())
        .create();
    MovableClock clock = new MovableClock();
    SelfManagedTls a = tls(List.of("svc.ns.svc"), clock);
    SelfManagedTls b = tls(List.of("svc.ns.svc"), clock);

    a.upkeep();
    b.upkeep();
    List<String> both = a.caBundle();
    assertEquals(2, both.size(), "the next CA is trusted first");
    assertEquals(oldCa.certificate(), both.get(0));
    assertEquals(b64(String.join("", both)), caBundle());
    assertEquals(
        oldServing.certificate() + oldCa.certificate(),
        a.current().orElseThrow().certificateChain());
    assertEquals(a.current(), b.current(), "both replicas serve the same certificate");

    // The caBundle holds the next CA now; once every API server has had time to read it, the
    // next upkeep serves a certificate it signed.
    b.upkeep();
    assertEquals(
        oldServing.certificate() + oldCa.certificate(),
        b.current().orElseThrow().certificateChain());
    clock.now = clock.now.plus(TlsSecret.SETTLE);
    b.upkeep();
    a.upkeep();
    String nextCa = both.get(1);
    assertEquals(a.current(), b.current());
    X509Certificate leaf = Pems.certificates(a.current().orElseThrow().certificateChain()).get(0);
    assertDoesNotThrow(() -> leaf.verify(Pems.certificates(nextCa).get(0).getPublicKey()));
    // Both CAs stay trusted while the old certificate could still be served somewhere.
    assertEquals(b64(nextCa + oldCa.certificate()), caBundle());
  }

  @Test
  void aSecretWhoseKeyDoesNotMatchItsCertificateIsReissuedAndNeverServed() {
    client.resource(webhookConfig()).create();
    SelfManagedTls first = tls(List.of("svc.ns.svc"));
    first.upkeep();
    Secret secret = client.secrets().inNamespace("ns").withName("tls").get();
    // Someone pastes the key of another certificate.
    secret
        .getData()
        .put(
            "tls.key",
            b64(
                CertificateIssuer.serving(CertificateIssuer.newCa("other"), List.of("x"), List.of())
                    .privateKey()));
    client.resource(secret).update();

    SelfManagedTls restarted = tls(List.of("svc.ns.svc"));
    restarted.upkeep();
    KeyMaterial.Pem served = restarted.current().orElseThrow();
    X509Certificate leaf = Pems.certificates(served.certificateChain()).get(0);
    assertTrue(KeyPairs.matches(Pems.privateKey(served.privateKey()), leaf));
    assertEquals(first.caCertificate(), restarted.caCertificate(), "the same CA signs it");
    assertEquals(
        served.privateKey(),
        decode(client.secrets().inNamespace("ns").withName("tls").get().getData().get("tls.key")),
        "the Secret was repaired for every replica");
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static final class MovableClock extends java.time.Clock {
    java.time.Instant now = java.time.Instant.now();

    @Override
    public java.time.ZoneId getZone() {
      return java.time.ZoneOffset.UTC;
    }

    @Override
    public java.time.Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public java.time.Instant instant() {
      return now;
    }
  }

  private SelfManagedTls tls(List<String> dns, java.time.Clock clock) {
    return new SelfManagedTls(client, "ns", "tls", "lpo", dns, List.of("10.0.0.7"), clock);
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
