/**
 * Tensor files: {@link rlhf4j.tensor.io.Safetensors} reads and writes the Hugging Face safetensors format
 * (an 8-byte header length, a JSON header, then the raw little-endian bytes of every tensor).
 *
 * <p>Every malformed file is reported as a {@link rlhf4j.tensor.io.SafetensorsFormatException} naming the file and
 * the problem; the header is fully checked against the file's size before any tensor is allocated.
 */
package rlhf4j.tensor.io;
