/* rtsp-blur
 * Copyright (C) 2026 rtsp-blur contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* Where the code linked with librb runs from: the build tree or an
 * installed copy.
 *
 * The same object files serve both. A module (the headblur plugin, the
 * launcher) that was loaded from a file under the build tree
 * (RB_BUILD_TREE_DIR, fixed at configure time) reads the models from the
 * source tree, where scripts/setup copies them (RB_SOURCE_MODELS_DIR); an
 * installed one reads them from the directory `meson install` put them in
 * (RB_MODELS_DIR: the models-dir option, by default
 * PREFIX/share/rtsp-blur/models). Nothing here reads the environment.
 */

#define _GNU_SOURCE             /* dladdr1 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "rb-paths.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

static gboolean
rb_paths_under (const gchar * path, const gchar * dir)
{
  gsize len = strlen (dir);

  return strncmp (path, dir, len) == 0 && (path[len] == '/'
      || path[len] == '\0');
}

/**
 * rb_paths_in_build_tree:
 *
 * Whether the executable or shared object this function is linked into was
 * loaded from the build tree (the file lies under the build directory the
 * project was configured in, both resolved with realpath(3)). The answer is
 * computed once.
 *
 * Returns: TRUE when running uninstalled, from the build tree
 */
gboolean
rb_paths_in_build_tree (void)
{
  static gsize result = 0;      /* 1: installed, 2: build tree */

  if (g_once_init_enter (&result)) {
    gsize value = 1;
    Dl_info info;
    struct link_map *map = NULL;

    if (dladdr1 ((void *) rb_paths_in_build_tree, &info, (void **) &map,
            RTLD_DL_LINKMAP) != 0 && map != NULL) {
      /* the main program's link map has an empty name */
      g_autofree gchar *file = map->l_name[0] != '\0' ?
          realpath (map->l_name, NULL) : realpath ("/proc/self/exe", NULL);
      g_autofree gchar *root = realpath (RB_BUILD_TREE_DIR, NULL);

      if (file != NULL && root != NULL && rb_paths_under (file, root))
        value = 2;
    }
    g_once_init_leave (&result, value);
  }
  return result == 2;
}

/**
 * rb_paths_models_dir:
 *
 * The directory the detector models are read from by default:
 * RB_SOURCE_MODELS_DIR (`<source>/models`) when running from the build
 * tree, RB_MODELS_DIR (the installed models, `models-dir` option, default
 * `PREFIX/share/rtsp-blur/models`) otherwise.
 *
 * Returns: (transfer none): an absolute directory, valid for the process
 */
const gchar *
rb_paths_models_dir (void)
{
  return rb_paths_in_build_tree ()? RB_SOURCE_MODELS_DIR : RB_MODELS_DIR;
}

/**
 * rb_paths_model:
 * @file: a model's file name, such as "yunet_n_640_640.onnx"
 *
 * Returns: (transfer none): @file in rb_paths_models_dir(), as an interned
 *   string valid for the life of the process
 */
const gchar *
rb_paths_model (const gchar * file)
{
  g_autofree gchar *path = g_build_filename (rb_paths_models_dir (), file,
      NULL);

  return g_intern_string (path);
}
