// Lets Catch2 print boost::system::result<T> in failed assertions: Boost's own operator<< needs
// T to be printable, which most of our value types are not.
#pragma once

#include <boost/system/result.hpp>
#include <catch2/catch.hpp>
#include <string>

namespace Catch {

template <class T>
struct StringMaker<boost::system::result<T, boost::system::error_code>> {
  static std::string convert(const boost::system::result<T, boost::system::error_code>& r) {
    return r ? std::string("{value}") : "{error: " + r.error().message() + "}";
  }
};

}  // namespace Catch
