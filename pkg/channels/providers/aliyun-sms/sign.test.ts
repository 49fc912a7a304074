import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acs3Authorization,
  acs3PayloadHash,
  acs3Sign,
  canonicalQuery,
  percentEncode,
  rpcSignature,
  rpcStringToSign,
} from './sign.ts';

/** The official test vectors of PROVIDERS.md §2.2 (A, B) and §2.3 (C). */
describe('Alibaba Cloud signatures', () => {
  test('percentEncode follows RFC 3986 as Alibaba signs it', () => {
    assert.equal(percentEncode('a b'), 'a%20b');
    assert.equal(percentEncode('*'), '%2A');
    assert.equal(percentEncode('~'), '~');
    assert.equal(percentEncode("!'()"), '%21%27%28%29');
    assert.equal(percentEncode('-_.'), '-_.');
    assert.equal(percentEncode('+/='), '%2B%2F%3D');
    assert.equal(percentEncode('阿'), '%E9%98%BF');
    assert.equal(percentEncode('{"a":"b"}'), '%7B%22a%22%3A%22b%22%7D');
    // A lone surrogate cannot be UTF-8: replaced, never thrown on.
    assert.equal(percentEncode('x\uD800'), 'x%EF%BF%BD');
    assert.equal(canonicalQuery({ b: '', a: '1 2' }), 'a=1%202&b=');
  });

  const vectorA = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  };

  test('vector A (RPC, generic doc example): string to sign and signature, GET and POST', () => {
    assert.equal(
      rpcStringToSign('GET', vectorA),
      'GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26',
    );
    assert.equal(rpcSignature('GET', vectorA, 'testsecret'), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    assert.equal(rpcSignature('POST', vectorA, 'testsecret'), 'MxbnVAM4w6sft9xjVpe/GCKueuk=');
    // A Signature already among the parameters is not signed over; insertion order does not matter.
    const shuffled = Object.fromEntries(Object.entries({ ...vectorA, Signature: 'x' }).reverse());
    assert.equal(rpcSignature('get', shuffled, 'testsecret'), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    assert.notEqual(rpcSignature('GET', vectorA, 'testsecreT'), 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });

  test('vector B (RPC, SMS doc example with a Chinese sign name and JSON parameter)', () => {
    const params = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    assert.equal(
      rpcStringToSign('GET', params),
      'GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25',
    );
    const signature = rpcSignature('GET', params, 'testSecret');
    assert.equal(signature, 'zJDF+Lrzhj/ThnlvIToysFRq6t4=');
    assert.equal(percentEncode(signature), 'zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D');
  });

  test('vector C (ACS3-HMAC-SHA256, V3 doc example): canonical request hash, signature, Authorization', () => {
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    assert.equal(acs3PayloadHash(''), empty);
    const signed = acs3Sign(
      {
        method: 'POST',
        path: '/',
        query: { RegionId: 'cn-shanghai', ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd' },
        headers: {
          Host: 'ecs.cn-shanghai.aliyuncs.com',
          'x-acs-action': 'RunInstances',
          'x-acs-content-sha256': empty,
          'x-acs-date': '2023-10-26T10:22:32Z',
          'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
          'x-acs-version': ' 2014-05-26 ',
          // Not signed: only host, content-type and x-acs-* are.
          'user-agent': 'pushline',
        },
        body: '',
      },
      'YourAccessKeySecret',
    );
    assert.equal(
      signed.canonicalRequestHash,
      '7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259',
    );
    assert.equal(signed.signature, '06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
    assert.equal(
      signed.signedHeaders,
      'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
    );
    assert.equal(
      acs3Authorization('YourAccessKeyId', signed.signedHeaders, signed.signature),
      'ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0',
    );
    assert.ok(signed.canonicalRequest.startsWith('POST\n/\nImageId=win2019'));
  });
});
