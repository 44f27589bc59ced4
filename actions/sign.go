package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sign returns the Standard Webhooks signature "v1,<base64 HMAC-SHA256>" of
// "{msgID}.{unix seconds of ts}.{body}", keyed with the base64-decoded part of
// secret after "whsec_".
func Sign(secret, msgID string, ts time.Time, body []byte) (string, error) {
	pool, err := macPool(secret)
	if err != nil {
		return "", err
	}
	mac := pool.Get().(hash.Hash)
	defer pool.Put(mac)
	mac.Reset()
	var buf [sha256.Size + 32]byte // the timestamp, then the sum
	mac.Write([]byte(msgID))
	mac.Write(append(strconv.AppendInt(append(buf[:0], '.'), ts.Unix(), 10), '.'))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(buf[:0])), nil
}

// macs holds, by secret, a pool of HMAC-SHA256 keyed with it. Keying one
// decodes the secret, allocates and hashes its pads: as much work as signing
// a short message. A Reset HMAC starts again from its keyed state.
var (
	macs     sync.Map // secret → *sync.Pool of hash.Hash
	macCount atomic.Int64
)

// maxMACSecrets bounds macs: past it, the pools are dropped and made again
// as secrets are used (rotated secrets would otherwise stay forever).
const maxMACSecrets = 4096

func macPool(secret string) (*sync.Pool, error) {
	if p, ok := macs.Load(secret); ok {
		return p.(*sync.Pool), nil
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return nil, fmt.Errorf("decode signing secret: %w", err)
	}
	if len(key) == 0 {
		return nil, errors.New("decode signing secret: empty key")
	}
	if macCount.Add(1) > maxMACSecrets {
		macs.Clear()
		macCount.Store(1)
	}
	p, _ := macs.LoadOrStore(secret, &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }})
	return p.(*sync.Pool), nil
}

// SignatureHeader returns the webhook-signature header value: the signature of
// the message under each secret, space separated, so a receiver holding either
// the old or the new secret verifies it during a rotation.
func SignatureHeader(secrets []string, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", errors.New("sign: no secret")
	}
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sig, err := Sign(s, msgID, ts, body)
		if err != nil {
			return "", err
		}
		sigs[i] = sig
	}
	return strings.Join(sigs, " "), nil
}

// LegacySignature returns the X-Tripline-Signature header value
// "sha256=<hex HMAC-SHA256(secret, body)>", keyed with the bytes of the whole
// secret string as GitHub-style receivers expect.
func LegacySignature(secret string, body []byte) string {
	return HMACSignature(SignaturePresets[LegacyPreset], secret, body)
}
