<?php
// An onWebChat receiver in PHP, as its webhooks page describes verification:
// X-OWC-Signature is the hex HMAC-SHA256 of the exact request body with the
// endpoint's signing secret. Run it with `php -S 127.0.0.1:8000 server.php`,
// the secret in OWC_SIGNING_SECRET.
$body = file_get_contents('php://input');
$signature = $_SERVER['HTTP_X_OWC_SIGNATURE'] ?? '';
$expected = hash_hmac('sha256', $body, getenv('OWC_SIGNING_SECRET'));
if (!hash_equals($expected, $signature)) {
    http_response_code(401);
    echo 'invalid signature';
    return;
}
$event = json_decode($body, true);
echo 'ok ' . $event['id'];
