using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Confer.Signaling.Auth;

/// <summary>
/// Lets Microsoft.IdentityModel sign and verify HS256 with secrets shorter than its 128-bit minimum.
/// LiveKit accepts such secrets (its development pair is <c>devkey</c>/<c>secret</c>), so compatible tokens
/// need them too. The HMAC itself is the platform's <see cref="HMACSHA256"/>; the library still does
/// parsing, header/algorithm checks and lifetime validation.
/// </summary>
internal sealed class HmacSha256Provider : ICryptoProvider
{
    public static readonly CryptoProviderFactory Factory = new() { CustomCryptoProvider = new HmacSha256Provider() };

    public bool IsSupportedAlgorithm(string algorithm, params object[] args) =>
        algorithm == SecurityAlgorithms.HmacSha256 && args is [SymmetricSecurityKey, ..];

    public object Create(string algorithm, params object[] args) =>
        new Signer((SymmetricSecurityKey)args[0], algorithm);

    public void Release(object cryptoInstance) => (cryptoInstance as IDisposable)?.Dispose();

    private sealed class Signer(SymmetricSecurityKey key, string algorithm)
        : SignatureProvider(key, algorithm)
    {
        private readonly byte[] _key = key.Key;

        public override byte[] Sign(byte[] input) => HMACSHA256.HashData(_key, input);

        public override byte[] Sign(byte[] input, int offset, int count) =>
            HMACSHA256.HashData(_key, input.AsSpan(offset, count));

        public override bool Sign(ReadOnlySpan<byte> data, Span<byte> destination, out int bytesWritten) =>
            HMACSHA256.TryHashData(_key, data, destination, out bytesWritten);

        public override bool Verify(byte[] input, byte[] signature) =>
            Verify(input, 0, input.Length, signature, 0, signature.Length);

        public override bool Verify(byte[] input, int inputOffset, int inputLength, byte[] signature, int signatureOffset, int signatureLength)
        {
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(_key, input.AsSpan(inputOffset, inputLength), mac);
            return signatureLength == mac.Length
                && CryptographicOperations.FixedTimeEquals(mac, signature.AsSpan(signatureOffset, signatureLength));
        }

        protected override void Dispose(bool disposing) { }
    }
}
