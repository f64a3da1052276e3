package dev.leastprivilege.recorder;

/** Where the sources hand what they read: the recorder's worker takes it from there. */
interface RecordSink {
  /** One line of the kernel log or the audit log (a seccomp record or anything else). */
  void seccompLine(String line);

  /** One line of the capability trace. */
  void traceLine(String line);

  /** Records the source knows it missed (an overwritten kernel log). */
  void lost(long records);
}
