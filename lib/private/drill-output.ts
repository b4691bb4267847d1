/**
 * Every stack output that names a zonal-shift function has a description starting with this;
 * `cdk-azi drill --stack NAME` finds the functions to drill by it.
 */
export const DRILL_OUTPUT_MARKER = 'cdk-azi:zonal-shift-function';
