package dev.leastprivilege.webhook.tls;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small CA for the webhook when no cert-manager is installed: ECDSA P-256 keys (cheap
 * handshakes), a CA that lives ten years and serving certificates that live one, renewed well
 * before they expire.
 */
public final class CertificateIssuer {
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration SERVING_VALIDITY = Duration.ofDays(365);
  private static final SecureRandom RANDOM = new SecureRandom();

  private CertificateIssuer() {}

  /** A certificate and its key, as PEM. */
  public record Issued(String certificate, String privateKey) {}

  public static Issued newCa(String commonName) {
    return newCa(commonName, CA_VALIDITY);
  }

  /** A CA valid for {@code validity} from now (tests make short-lived ones to roll over). */
  public static Issued newCa(String commonName, Duration validity) {
    try {
      KeyPair keys = ecKeys();
      X500Name name = new X500Name("CN=" + commonName);
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minusSeconds(300)),
              Date.from(now.plus(validity)),
              name,
              keys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new Issued(Pems.write(sign(b, keys)), Pems.write(keys.getPrivate()));
    } catch (GeneralSecurityException | java.io.IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create the webhook CA: " + e.getMessage(), e);
    }
  }

  /** A serving certificate for the given DNS names and IP addresses, signed by the CA. */
  public static Issued serving(Issued ca, List<String> dnsNames, List<String> ipAddresses) {
    try {
      X509Certificate caCert = Pems.certificates(ca.certificate()).get(0);
      KeyPair caKeys = new KeyPair(caCert.getPublicKey(), Pems.privateKey(ca.privateKey()));
      KeyPair keys = ecKeys();
      Instant now = Instant.now();
      String cn = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              caCert,
              serial(),
              Date.from(now.minusSeconds(300)),
              Date.from(now.plus(SERVING_VALIDITY)),
              new X500Name("CN=" + cn),
              keys.getPublic());
      List<GeneralName> sans = new ArrayList<>();
      dnsNames.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
      ipAddresses.forEach(ip -> sans.add(new GeneralName(GeneralName.iPAddress, ip)));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sans.toArray(new GeneralName[0])));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      b.addExtension(
          Extension.authorityKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(caCert));
      return new Issued(Pems.write(sign(b, caKeys)), Pems.write(keys.getPrivate()));
    } catch (GeneralSecurityException | java.io.IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue the webhook certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
      throws OperatorCreationException, java.security.cert.CertificateException {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
  }

  private static KeyPair ecKeys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM);
  }
}
