# GitHub's documented Python check of X-Hub-Signature-256 ("Validating
# webhook deliveries"), verbatim in verify_signature, with a standard-library
# server around it (GitHub's page uses FastAPI's HTTPException; here it is a
# small stand-in class so that no package is needed). The secret is in
# WEBHOOK_SECRET; it runs on $PORT.
import hashlib
import hmac
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class HTTPException(Exception):  # stands in for fastapi.HTTPException
    def __init__(self, status_code, detail):
        super().__init__(detail)
        self.status_code = status_code


def verify_signature(payload_body, secret_token, signature_header):
    """Verify that the payload was sent from GitHub by validating SHA256.

    Raise and return 403 if not authorized.

    Args:
        payload_body: original request body to verify (request.body())
        secret_token: GitHub app webhook token (WEBHOOK_SECRET)
        signature_header: header received from GitHub (x-hub-signature-256)
    """
    if not signature_header:
        raise HTTPException(status_code=403, detail="x-hub-signature-256 header is missing!")
    hash_object = hmac.new(secret_token.encode('utf-8'), msg=payload_body, digestmod=hashlib.sha256)
    expected_signature = "sha256=" + hash_object.hexdigest()
    if not hmac.compare_digest(expected_signature, signature_header):
        raise HTTPException(status_code=403, detail="Request signatures didn't match!")


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        try:
            verify_signature(body, os.environ['WEBHOOK_SECRET'], self.headers.get('X-Hub-Signature-256'))
        except HTTPException as e:
            self.send_response(e.status_code)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *args):
        pass


if __name__ == '__main__':
    server = HTTPServer(('127.0.0.1', int(os.environ['PORT'])), Handler)
    print('listening', flush=True)
    server.serve_forever()
