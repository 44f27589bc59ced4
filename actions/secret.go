package actions

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretPrefix starts every endpoint secret, as Standard Webhooks libraries expect.
const SecretPrefix = "whsec_"

// MinSecretKeyLength is the shortest TRIPLINE_SECRET_KEY NewSecretBox accepts.
const MinSecretKeyLength = 16

// sealedPrefix versions the sealed format so the key derivation or cipher can
// change later without guessing what a stored value is.
const sealedPrefix = "v1:"

// ErrSecretDecrypt is returned by SecretBox.Open when a sealed secret cannot be
// decrypted: the key is not the one it was sealed with, or the value is corrupt.
var ErrSecretDecrypt = errors.New("cannot decrypt endpoint secret: TRIPLINE_SECRET_KEY differs from the one it was encrypted with, or the stored value is corrupt")

// NewSecret returns a new endpoint signing secret: "whsec_" and the standard
// base64 encoding of 32 random bytes.
func NewSecret() (string, error) {
	b, err := randomBytes(32)
	if err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// GenerateSecretKey returns a new random operator key for TRIPLINE_SECRET_KEY
// (the standard base64 encoding of 32 random bytes), for a first start
// without one.
func GenerateSecretKey() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	return base64.StdEncoding.EncodeToString(b)
}

// SecretBox encrypts endpoint secrets at rest with AES-256-GCM under a key
// derived from the operator's TRIPLINE_SECRET_KEY. It is safe for concurrent use.
type SecretBox struct {
	aead cipher.AEAD
}

// NewSecretBox returns a SecretBox for key, the operator's TRIPLINE_SECRET_KEY:
// any string of at least MinSecretKeyLength characters. The AES-256 key is its
// SHA-256 digest, so a passphrase and a generated key both work.
func NewSecretBox(key string) (*SecretBox, error) {
	if len(key) < MinSecretKeyLength {
		return nil, fmt.Errorf("secret key is %d characters long; it needs at least %d (generate one with 32 random bytes, base64-encoded)", len(key), MinSecretKeyLength)
	}
	sum := sha256.Sum256([]byte(key))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return nil, fmt.Errorf("secret box: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret box: %w", err)
	}
	return &SecretBox{aead: aead}, nil
}

// Seal encrypts plaintext under a fresh random nonce and returns
// "v1:" + base64(nonce || ciphertext).
func (b *SecretBox) Seal(plaintext string) (string, error) {
	nonce, err := randomBytes(b.aead.NonceSize())
	if err != nil {
		return "", err
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plaintext), nil)
	return sealedPrefix + base64.StdEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value made by Seal. It returns an error wrapping
// ErrSecretDecrypt when the key is wrong or the value is corrupt.
func (b *SecretBox) Open(sealed string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("%w: missing %q prefix", ErrSecretDecrypt, sealedPrefix)
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSecretDecrypt, err)
	}
	n := b.aead.NonceSize()
	if len(raw) < n+b.aead.Overhead() {
		return "", fmt.Errorf("%w: value too short", ErrSecretDecrypt)
	}
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return "", ErrSecretDecrypt
	}
	return string(plain), nil
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("read random bytes: %w", err)
	}
	return b, nil
}
