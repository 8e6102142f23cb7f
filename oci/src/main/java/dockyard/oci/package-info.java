/** OCI image-spec types, digests, a content-addressed blob store, OCI layouts and layer unpacking. */
package dockyard.oci;
