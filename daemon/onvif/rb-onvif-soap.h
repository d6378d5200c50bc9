/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef __RB_ONVIF_SOAP_H__
#define __RB_ONVIF_SOAP_H__

#include <glib.h>

G_BEGIN_DECLS

/* The SOAP side of a network's ONVIF device: parsing a request and writing
 * its answer, with libxml2 (GLib and libxml2 only: unit-tested and fuzzed
 * alone; rb-onvif.c puts it on the network's HTTP listener).
 *
 * Requests are SOAP 1.2 envelopes of at most RB_ONVIF_MAX_REQUEST bytes,
 * parsed with xmlReadMemory() without network access, without entity
 * substitution and without a DTD (a document with one is refused, as SOAP
 * forbids it). The action is the first element of the Body, named by its
 * namespace and local name (the HTTP action parameter is not used). The
 * WS-Security header's UsernameToken, if any, is read for
 * rb-onvif-users.c.
 *
 * Answers (SOAP 1.2, built with xmlNewNode()/xmlNewNs(), written with
 * xmlDocDumpMemory()):
 *   device service (http://www.onvif.org/ver10/device/wsdl):
 *     GetSystemDateAndTime, GetHostname (both without credentials: ONVIF's
 *     PRE_AUTH class), GetDeviceInformation, GetCapabilities (Device and
 *     Media; another category is a ter:NoSuchService fault), GetServices,
 *     GetScopes;
 *   media service (http://www.onvif.org/ver10/media/wsdl): GetProfiles,
 *     GetProfile, GetVideoSources, GetVideoSourceConfigurations,
 *     GetStreamUri, GetSnapshotUri. A profile is a camera the network
 *     serves (token = the camera's name, its main stream) and, with a
 *     sub-stream, CAMERA_sub (/CAMERA/sub); a camera the network does not
 *     serve is not named anywhere (ter:NoProfile, as an unknown one);
 *   anything else: a env:Receiver ter:ActionNotSupported fault (HTTP 500).
 */

/* Requests longer than this are refused (HTTP 413 by the listener). */
#define RB_ONVIF_MAX_REQUEST (64 * 1024)

#define RB_ONVIF_NS_DEVICE "http://www.onvif.org/ver10/device/wsdl"
#define RB_ONVIF_NS_MEDIA "http://www.onvif.org/ver10/media/wsdl"

typedef struct _RbOnvifRequest RbOnvifRequest;

/* Parses @data; NULL with @error (G_MARKUP_ERROR_PARSE, a short reason
 * without the input) when it is not a SOAP 1.2 envelope with one action
 * element in its Body, is longer than RB_ONVIF_MAX_REQUEST or has a DTD. */
RbOnvifRequest *rb_onvif_request_parse (const gchar * data, gsize length,
                                        GError ** error);
void rb_onvif_request_free (RbOnvifRequest * request);

/* The action: its namespace and local name. */
const gchar *rb_onvif_request_get_namespace (RbOnvifRequest * request);
const gchar *rb_onvif_request_get_action (RbOnvifRequest * request);
/* The text of the first element named @name (local name) inside the action
 * (at any depth), stripped; NULL when there is none. Owned by @request. */
const gchar *rb_onvif_request_get_param (RbOnvifRequest * request,
                                         const gchar * name);

/* The UsernameToken of the Security header: FALSE when there is none
 * (every out value NULL then). Out values are owned by @request and may
 * be NULL when their element is missing; @password_type is the Password's
 * Type attribute. */
gboolean rb_onvif_request_get_token (RbOnvifRequest * request,
                                     const gchar ** user,
                                     const gchar ** password,
                                     const gchar ** password_type,
                                     const gchar ** nonce,
                                     const gchar ** created);

/* Whether the action may be answered without credentials
 * (GetSystemDateAndTime, GetHostname). */
gboolean rb_onvif_request_is_pre_auth (RbOnvifRequest * request);

/* One camera of the device. */
typedef struct {
  const gchar *name;            /* the profile and video source token */
  guint width, height;          /* main stream, 0 when unknown */
  guint sub_width, sub_height;  /* the sub-stream, 0: none */
} RbOnvifCamera;

/* What the answers tell about the device: one network. */
typedef struct {
  const gchar *network;
  const gchar *uuid;            /* rb_onvif_device_uuid() */
  const gchar *hostname;        /* GetHostname */
  const gchar *firmware;        /* the version */
  const gchar *device_url;      /* .../onvif/device_service */
  const gchar *media_url;       /* .../onvif/media_service */
  const gchar *rtsp_base;       /* "rtsp://ADDRESS:PORT" (rtsps with TLS) */
  const gchar *http_base;       /* "http://ADDRESS:HTTP-PORT" (https) */
  const gchar *const *scopes;   /* rb_onvif_device_scopes() */
  const RbOnvifCamera *cameras; /* the cameras the network serves */
  guint n_cameras;
  gboolean multicast;           /* multicast-addresses set */
  guint live_bitrate_kbps, key_interval_s;
  gint64 now_us;                /* wall clock, for GetSystemDateAndTime */
} RbOnvifDevice;

/* The answer to @request (a response or a fault) and its HTTP status
 * (200, 400 for env:Sender faults, 500 for env:Receiver ones). */
GBytes *rb_onvif_answer (const RbOnvifDevice * device,
                         RbOnvifRequest * request, guint * status);

/* A SOAP fault: @sender (env:Sender, else env:Receiver), the ONVIF
 * subcodes @subcode ("ter:NotAuthorized") and @subcode2 (or NULL) and an
 * English @reason. *@status gets 400 (sender) or 500. */
GBytes *rb_onvif_fault (gboolean sender, const gchar * subcode,
                        const gchar * subcode2, const gchar * reason,
                        guint * status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RbOnvifRequest, rb_onvif_request_free)

G_END_DECLS

#endif /* __RB_ONVIF_SOAP_H__ */
