/**
 * The leastprivilege.dev/v1alpha1 API. These classes are plain data: the CRD schemas in {@code
 * crds/} are generated from them, and every rule the OpenAPI schema cannot express lives in the
 * core module. The operator → agent ConfigMaps are not part of it: they are in {@link
 * dev.leastprivilege.api.wire}.
 */
package dev.leastprivilege.api.v1alpha1;
