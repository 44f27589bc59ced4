<?php
// Verifies a Tripline delivery by hand, with PHP's hash_hmac.
//
// Usage: TRIPLINE_WEBHOOK_SECRET=whsec_… php verify.php BODY_FILE HEADERS_FILE
// BODY_FILE holds the raw request body; HEADERS_FILE a JSON object of the
// request headers. Exits 0 when the signature is valid, 1 when it is not.

// verify:start
// verify returns the payload of a genuine delivery and throws otherwise.
// $rawBody is the request body exactly as received (file_get_contents('php://input')),
// before any JSON parsing; $headers maps lower-case header names to values.
function verify(string $secret, array $headers, string $rawBody): array
{
    $msgId = $headers['webhook-id'] ?? '';
    $timestamp = $headers['webhook-timestamp'] ?? '';
    if (!ctype_digit($timestamp) || abs(time() - (int) $timestamp) > 5 * 60) {
        throw new RuntimeException('timestamp missing or too far from now');
    }
    $key = base64_decode(preg_replace('/^whsec_/', '', $secret), true);
    $expected = base64_encode(hash_hmac('sha256', "$msgId.$timestamp.$rawBody", $key, true));
    // The header may hold several "v1,<signature>" entries (during a secret
    // rotation): accept the request when any one matches.
    foreach (explode(' ', $headers['webhook-signature'] ?? '') as $entry) {
        [$version, $signature] = array_pad(explode(',', $entry, 2), 2, '');
        if ($version === 'v1' && hash_equals($expected, $signature)) {
            return json_decode($rawBody, true, 512, JSON_THROW_ON_ERROR);
        }
    }
    throw new RuntimeException('no matching signature');
}
// verify:end

[, $bodyFile, $headersFile] = $argv;
$headers = array_change_key_case(json_decode(file_get_contents($headersFile), true), CASE_LOWER);
try {
    $payload = verify(getenv('TRIPLINE_WEBHOOK_SECRET'), $headers, file_get_contents($bodyFile));
} catch (Throwable $e) {
    fwrite(STDERR, "not verified: {$e->getMessage()}\n");
    exit(1);
}
echo "verified {$payload['event']} {$payload['id']}\n";
