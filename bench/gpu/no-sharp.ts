/**
 * Stands in for sharp in the GPU kit's bundle (pack.sh): the benchmark feeds tensors, so image
 * decoding is never called there, and the kit carries no libvips.
 */
function sharp(): never {
  throw new Error('the GPU benchmark kit has no image decoder (sharp); it embeds tensors only');
}
sharp.cache = () => undefined;
sharp.concurrency = () => 1;
export default sharp;
