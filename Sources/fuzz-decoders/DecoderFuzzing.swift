#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubernetesAPI
import ResilienceCore

/// What the operator decodes from the network and from users, fed with any bytes: a watch event of pods
/// (as a watch stream's line), a Status (a refused request's body), a ResiliencePolicy (with what the
/// operator reads of it: its validation and effective values). Nothing may crash, loop or trap; an
/// input that does not decode is an error, never more.
enum DecoderFuzzing {
    static func check(_ bytes: [UInt8]) {
        let data = Data(bytes)
        let decoder = KubernetesJSON.decoder()
        _ = try? WatchEvent<Pod>.decode(data, decoder: decoder)
        _ = try? decoder.decode(Status.self, from: data)
        if let policy = try? PolicyDecoder.decode(data) {
            _ = PolicyValidator.validate(policy.spec)
            _ = try? EffectivePolicy(policy.spec)
        }
    }
}

#if FUZZING
/// libFuzzer's driver, which runs `test` on its inputs as its command line says.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The executable's entry (SwiftPM points `main` at it): libFuzzer's driver over the decoders
/// (`hack/fuzz.sh` builds this target with `-sanitize=fuzzer,address`).
@_cdecl("fuzz_decoders_main")
func fuzzDecodersMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in fuzzDecoders(data, size) }
}

/// One input, as libFuzzer gives it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzDecoders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    DecoderFuzzing.check(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#else
/// Without the fuzzer: replays the inputs named (files, or folders of them), as a regression run of the
/// committed corpus.
@main
struct ReplayDecoderInputs {
    static func main() throws {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }) ?? [path]
            for file in files {
                DecoderFuzzing.check(Array(try Data(contentsOf: URL(fileURLWithPath: file))))
                count += 1
            }
        }
        print("replayed \(count) inputs")
    }
}
#endif
