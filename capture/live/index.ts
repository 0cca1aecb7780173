// Live capture: native readers (tpacketv3, libpcap) as a PacketSource, and the rotating pcap writer.
export { LiveSource, LiveReaderError } from './live-source.js';
export type { InterfaceStats } from './live-source.js';
export { liveOptionsFromConfig, liveDefaults, LiveConfigError } from './options.js';
export type { LiveCaptureOptions, ReadMethod } from './options.js';
export { PcapWriter } from './pcap-writer.js';
export type { PcapWriterOptions, PcapFileInfo, PcapFileClosed, PcapWriteError, PcapWriterStats } from './pcap-writer.js';
export { parsePcapDirAlgorithm } from './pcap-dirs.js';
export type { PcapDirAlgorithm } from './pcap-dirs.js';
export { loadNativeCapture, nativeCaptureAvailable, LiveCaptureError, addonPath } from './native.js';
