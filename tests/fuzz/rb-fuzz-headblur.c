/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* The [headblur] schema for the config fuzzers (see rb-fuzz-headblur.h). */

#include "rb-fuzz-headblur.h"

typedef struct {
  GObject parent;
} RbFuzzHeadBlur;

typedef struct {
  GObjectClass parent_class;
} RbFuzzHeadBlurClass;

static GType rb_fuzz_head_blur_get_type (void);
G_DEFINE_TYPE (RbFuzzHeadBlur, rb_fuzz_head_blur, G_TYPE_OBJECT);

static GType
rb_fuzz_mode_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    {0, "Blur each head region", "blur"},
    {1, "Pixelate each head region", "pixelate"},
    {2, "Fill each head region with fill-color", "fill"},
    {0, NULL, NULL}
  };

  if (type == 0)
    type = g_enum_register_static ("RbFuzzHeadBlurMode", values);
  return type;
}

static GType
rb_fuzz_overload_mode_get_type (void)
{
  static GType type;
  static const GEnumValue values[] = {
    {0, "Mask the whole frame", "full-frame"},
    {1, "Mask the last tracks enlarged x2", "enlarge"},
    {0, NULL, NULL}
  };

  if (type == 0)
    type = g_enum_register_static ("RbFuzzHeadBlurOverloadMode", values);
  return type;
}

static void
rb_fuzz_head_blur_set_property (GObject * object, guint id,
    const GValue * value, GParamSpec * pspec)
{
}

static void
rb_fuzz_head_blur_get_property (GObject * object, guint id, GValue * value,
    GParamSpec * pspec)
{
  g_param_value_set_default (pspec, value);
}

#define RW (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)

static void
rb_fuzz_head_blur_class_init (RbFuzzHeadBlurClass * klass)
{
  GObjectClass *o = G_OBJECT_CLASS (klass);
  guint id = 1;

  o->set_property = rb_fuzz_head_blur_set_property;
  o->get_property = rb_fuzz_head_blur_get_property;

  /* headblur's own */
  g_object_class_install_property (o, id++,
      g_param_spec_boolean ("attach-meta", "", "Attach metas", FALSE, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint ("detection-interval", "", "Every k-th frame", 1, 30,
          3, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint ("fill-color", "", "Colour", 0, G_MAXUINT,
          0xff000000, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint64 ("hold-time", "", "ns", 0, 60 * G_GUINT64_CONSTANT
          (1000000000), 1000000000, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_int ("inference-width", "", "Width", 160, 3840, 960, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint ("lookahead", "", "Frames", 0, 300, 0, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint64 ("max-detection-age", "", "ns", 0,
          60 * G_GUINT64_CONSTANT (1000000000), 500000000, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_enum ("mode", "", "How", rb_fuzz_mode_get_type (), 0, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_string ("model", "", "Path of the face model", "", RW));
  g_object_class_install_property (o, id++,
      g_param_spec_enum ("overload-mode", "", "How",
          rb_fuzz_overload_mode_get_type (), 0, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_double ("padding", "", "Margin", 0, 2, 0.25, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_int ("person-inference-width", "", "Width", 0, 1920, 480,
          RW));
  g_object_class_install_property (o, id++,
      g_param_spec_string ("person-model", "", "Path of the person model", "",
          RW));
  g_object_class_install_property (o, id++,
      g_param_spec_double ("person-threshold", "", "Score", 0, 1, 0.3, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_string ("privacy-zones", "", "Polygons", "", RW));
  g_object_class_install_property (o, id++,
      g_param_spec_int ("threads", "", "Threads", 0, 64, 0, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_double ("threshold", "", "Score", 0, 1, 0.2, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint ("upstream-check-interval", "", "Frames", 0, 300, 32,
          RW));
  g_object_class_install_property (o, id++,
      g_param_spec_boolean ("upstream-detections", "", "Use metas", FALSE,
          RW));
  g_object_class_install_property (o, id++,
      g_param_spec_string ("stats", "", "Counters", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /* kinds the element does not have (yet) */
  g_object_class_install_property (o, id++,
      g_param_spec_float ("fuzz-float", "", "A float", -1, 1, 0, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_int64 ("fuzz-int64", "", "An int64", G_MININT64,
          G_MAXINT64, 0, RW));
  g_object_class_install_property (o, id++,
      g_param_spec_uint ("fuzz-construct", "", "Construct only", 0, 10, 0,
          RW | G_PARAM_CONSTRUCT_ONLY));
  g_object_class_install_property (o, id++,
      g_param_spec_uint ("fuzz-deprecated", "", "Deprecated", 0, 10, 0,
          RW | G_PARAM_DEPRECATED));
  g_object_class_install_property (o, id++,
      g_param_spec_boxed ("fuzz-strv", "", "A list", G_TYPE_STRV, RW));
}

static void
rb_fuzz_head_blur_init (RbFuzzHeadBlur * self)
{
}

GObjectClass *
rb_fuzz_headblur_class (void)
{
  return g_type_class_ref (rb_fuzz_head_blur_get_type ());
}
