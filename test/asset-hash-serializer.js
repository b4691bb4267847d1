// Jest snapshot serializer: replaces asset hashes (64 hex characters, alone or inside an S3 key or
// an image tag) with a fixed marker, so a rebuilt Lambda bundle does not churn the snapshots.
const HASH = '[0-9a-f]{64}';
const MARKER = '[ASSET-HASH]';

module.exports = {
  test(value) {
    return typeof value === 'string' && new RegExp(HASH).test(value);
  },
  serialize(value, config, indentation, depth, refs, printer) {
    return printer(value.replace(new RegExp(HASH, 'g'), MARKER), config, indentation, depth, refs);
  },
};
