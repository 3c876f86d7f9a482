/**
 * The one file of webfarm that imports `cdktf` (DESIGN decision 1).
 *
 * cdktf is archived upstream; its community continuation is CDK Terrain (`cdktn`). Switching is
 * this one line (plus regenerating the OpenStack bindings with the matching generator).
 */
export * from 'cdktf';
