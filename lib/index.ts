export * from './zonal-fleet';
