/**
 * Migration from the Security Profiles Operator (SPO): its exported objects
 * (security-profiles-operator.x-k8s.io) to ours. Pure rules; {@code lpo migrate spo} is the shell.
 */
package dev.leastprivilege.core.convert.spo;
