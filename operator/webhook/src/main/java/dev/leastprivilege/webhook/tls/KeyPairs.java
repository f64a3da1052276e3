package dev.leastprivilege.webhook.tls;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;

/** Whether a private key belongs to a certificate, the one thing a KeyStore does not check. */
final class KeyPairs {
  private static final byte[] PROBE = "least-privilege-operator".getBytes();

  private KeyPairs() {}

  /** True when what {@code key} signs, {@code cert}'s public key verifies. */
  static boolean matches(PrivateKey key, X509Certificate cert) {
    PublicKey pub = cert.getPublicKey();
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return false;
    }
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pub);
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  static boolean validAt(X509Certificate cert, Instant when) {
    try {
      cert.checkValidity(Date.from(when));
      return true;
    } catch (java.security.cert.CertificateException e) {
      return false;
    }
  }
}
